import { tool } from "ai";
import { z } from "zod";
import { findOrder, refundPayment, sendMail } from "./services.js";

export const tools = {
  lookup_order: tool({
    description: "Look up an order by its id",
    inputSchema: z.object({ orderId: z.string() }),
    execute: async ({ orderId }) => (await findOrder(orderId)) ?? `No order ${orderId}`,
  }),

  send_email: tool({
    description: "Send an email to a customer",
    inputSchema: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
    execute: async ({ to, subject }) => sendMail(to, subject),
  }),

  refund_payment: tool({
    description: "Refund the payment of an order",
    inputSchema: z.object({ orderId: z.string(), amount: z.number() }),
    execute: async ({ orderId, amount }) => {
      const { refunded } = await refundPayment(orderId, amount);
      return `Refunded $${refunded.toFixed(2)} for ${orderId}`;
    },
  }),
};
