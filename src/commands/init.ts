import { Command } from "commander";

// Placeholder until the owning issue lands; exits 2 so nothing mistakes it for success.
export const init = new Command("init").description("(not built yet)").action(() => {
  process.stderr.write("governor init is not built yet\n");
  process.exit(2);
});
