// The shop's back office. In a real app these call your database, mail
// provider and payment provider; here they print what they did, so you can
// see which tool bodies actually ran.
const orders = {
  "ORD-1001": {
    id: "ORD-1001",
    item: "espresso machine",
    total: 249.0,
    status: "delivered",
    email: "sam@example.com",
  },
};

function did(what) {
  console.log(`  [back office] ${what}`);
}

export async function findOrder(orderId) {
  const order = orders[orderId];
  did(order ? `read order ${orderId}` : `no order ${orderId}`);
  return order ?? null;
}

export async function sendMail(to, subject) {
  did(`emailed ${to}: "${subject}"`);
  return { sent: true };
}

export async function refundPayment(orderId, amount) {
  did(`REFUNDED $${amount.toFixed(2)} for ${orderId}`);
  return { refunded: amount };
}
