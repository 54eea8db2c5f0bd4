import { Command } from "commander";

// Placeholder until the owning issue lands; exits 2 so nothing mistakes it for success.
export const doctor = new Command("doctor").description("(not built yet)").action(() => {
  process.stderr.write("governor doctor is not built yet\n");
  process.exit(2);
});
