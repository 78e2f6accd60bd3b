// Module resolution hooks for ES module handlers: a bare specifier that resolves nowhere from the
// importing file is looked up in the NODE_PATH directories, as AWS's Node.js runtimes let an .mjs handler
// import the SDK in /var/runtime/node_modules and packages of a layer's /opt/nodejs/node_modules.
import { pathToFileURL } from "node:url";

const directories = (process.env.NODE_PATH || "").split(":").filter(Boolean);

function bare(specifier) {
  return !specifier.startsWith(".") && !specifier.startsWith("/") && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !bare(specifier)) throw error;
    for (const directory of directories) {
      try {
        // A parent file inside the directory: node's node_modules walk up from it reaches <directory>/<specifier>.
        return await nextResolve(specifier, { ...context, parentURL: pathToFileURL(`${directory}/_`).href });
      } catch {
        // not in this one
      }
    }
    throw error;
  }
}
