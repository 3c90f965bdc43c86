import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const api = register({ namespace: "x1", tsconfig: "/tmp/tsxp/tsconfig.fstore.json" });
try {
  const m = await api.import(pathToFileURL(process.argv[2]).href, import.meta.url);
  console.log(Object.keys(m));
} catch (e) {
  console.log("ERR", e.message.slice(0, 300));
}
