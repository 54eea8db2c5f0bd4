import { Command } from "commander";

// Placeholder until the owning issue lands; exits 2 so nothing mistakes it for success.
export const testIntent = new Command("test-intent").description("(not built yet)").action(() => {
  process.stderr.write("governor test-intent is not built yet\n");
  process.exit(2);
});
