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
//
// Two additions to the mock, both for the tests and benchmarks only:
// - query endpoints honour the `sort` parameter (see honourSortParameter);
// - POST /__ctmock/import/<projectKey>/<typeId> stores a JSON array of whole resources as given
//   (see addImportRoute), to seed large projects quickly.

import { AsyncLocalStorage } from "node:async_hooks";
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

// Mock 4.4.0's query endpoints build the repository's query parameters without `sort`, so
// `?sort=id asc` came back in insertion order, although its storage sorts when asked to. Paging
// by id (`sort=id asc` with `where=id > "<last>"`) then skipped resources. The fix: remember
// each request's `sort` for the life of the request, and hand it to the first repository query
// that the request runs without a sort of its own (the query of the collection requested).
function honourSortParameter(mock) {
	const pending = new AsyncLocalStorage();

	mock.app.addHook("onRequest", (request, reply, done) => {
		const sort = request.method === "GET" ? request.query?.sort : undefined;
		pending.run({ sort }, done);
	});

	// The repositories are private to the mock; this is the one place that reaches into them.
	// A few (the project itself) have no query.
	for (const repository of Object.values(mock._repositories)) {
		if (typeof repository.query !== "function") {
			continue;
		}
		const query = repository.query.bind(repository);
		repository.query = (context, params = {}) => {
			const request = pending.getStore();
			if (request?.sort === undefined || params.sort !== undefined) {
				return query(context, params);
			}
			const sort = request.sort;
			request.sort = undefined;
			return query(context, { ...params, sort });
		};
	}
}

// Creating a customer through the API scans every customer (e-mail uniqueness) and the mock
// copies each one it reads, so seeding 100,000 customers that way never ends. This route puts
// whole resources straight into storage: no validation, no uniqueness checks, no side effects.
// Resources without an id or timestamps get them, and a missing version is 1 (a new resource's).
function addImportRoute(mock) {
	mock.app.post("/__ctmock/import/:projectKey/:typeId", async (request, reply) => {
		const { projectKey, typeId } = request.params;
		const resources = request.body;
		if (!Array.isArray(resources)) {
			return reply.status(400).send({ message: "the body must be a JSON array of resources" });
		}

		const project = mock.project(projectKey);
		for (const resource of resources) {
			await project.unsafeAdd(typeId, { version: 1, ...resource });
		}
		return reply.status(200).send({ imported: resources.length });
	});
}

honourSortParameter(mock);
addImportRoute(mock);

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
