// Runs @labdigital/commercetools-mock as a real HTTP server on 127.0.0.1 for the Python tests.
//
// Usage: node tools/ctmock_server.mjs [port]      (or CTMOCK_PORT=<port>; 0 picks a free port)
//
// Once listening it prints one line, "ctmock ready http://127.0.0.1:<port>", which tools/ctmock.py
// waits for. SIGTERM and SIGINT close the server and exit with status 0. With
// --exit-with-stdin it also exits when its standard input closes, so a test run that dies
// without cleaning up does not leave the server behind.
//
// CTMOCK_STRICT=1 makes the mock validate drafts and update actions like the real API does;
// CTMOCK_VERBOSE=1 turns on its request log.

import { CommercetoolsMock } from "@labdigital/commercetools-mock";

const HOST = "127.0.0.1";

function readPort(args) {
	const raw = args.find((arg) => !arg.startsWith("--")) ?? process.env.CTMOCK_PORT ?? "0";
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		console.error(`ctmock: port must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`);
		process.exit(2);
	}
	return port;
}

const args = process.argv.slice(2);
const port = readPort(args);

const mock = new CommercetoolsMock({
	enableAuthentication: false,
	validateCredentials: false,
	silent: process.env.CTMOCK_VERBOSE !== "1",
	strict: process.env.CTMOCK_STRICT === "1",
});

// runServer() would bind every interface; tests must stay on the loopback address.
await mock.app.listen({ port, host: HOST });
console.log(`ctmock ready http://${HOST}:${mock.app.server.address().port}`);

let closing = false;
async function shutDown() {
	if (closing) {
		return;
	}
	closing = true;
	await mock.app.close();
	process.exit(0);
}

process.on("SIGTERM", shutDown);
process.on("SIGINT", shutDown);

if (args.includes("--exit-with-stdin")) {
	process.stdin.on("end", shutDown);
	process.stdin.on("close", shutDown);
	process.stdin.resume();
}
