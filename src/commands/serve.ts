import { Command } from "commander";

// Placeholder until the owning issue lands; exits 2 so nothing mistakes it for success.
export const serve = new Command("serve").description("(not built yet)").action(() => {
  process.stderr.write("governor serve is not built yet\n");
  process.exit(2);
});
