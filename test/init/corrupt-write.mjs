// Test preload (`node --import`): the first write to $CORRUPT_WRITE_FILE gets text that does not
// parse appended, as a disk or a broken edit might, so the tests can prove init's rollback end to end
// with no hook in the writer. It wraps node:fs; the CLI's named imports see it through
// syncBuiltinESMExports.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const target = process.env.CORRUPT_WRITE_FILE;
if (target) {
  const names = new Set([target, fs.realpathSync(target)]);
  const { closeSync, openSync, writeFileSync } = fs;
  let fd; // the target's descriptor while it is open (a number is reused once closed)
  let done = false;
  fs.openSync = (file, ...rest) => {
    const opened = openSync(file, ...rest);
    if (names.has(String(file))) fd = opened;
    else if (opened === fd) fd = undefined;
    return opened;
  };
  fs.closeSync = (file) => {
    if (file === fd) fd = undefined;
    return closeSync(file);
  };
  fs.writeFileSync = (file, data, ...rest) => {
    if (!done && (file === fd || names.has(String(file)))) {
      done = true;
      data = Buffer.concat([Buffer.from(data), Buffer.from("\n}}} governor-test-corruption (\n")]);
    }
    return writeFileSync(file, data, ...rest);
  };
  syncBuiltinESMExports();
}
