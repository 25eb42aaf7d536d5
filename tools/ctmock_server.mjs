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
// Three additions to the mock, all for the tests and benchmarks only:
// - query endpoints honour the `sort` parameter (see honourSortParameter);
// - POST /__ctmock/import/<projectKey>/<typeId> stores a JSON array of whole resources as given
//   (see addImportRoute), to seed large projects quickly;
// - queries copy only the page they return, not every stored resource of the type (see
//   copyOnlyTheQueriedPage), so large projects answer in milliseconds instead of seconds.

import { AsyncLocalStorage } from "node:async_hooks";
import { CommercetoolsMock, InMemoryStorage } from "@labdigital/commercetools-mock";

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

// Mock 4.4.0's in-memory storage answers a query by copying every stored resource of the type
// (its StorageMap deep-copies on every read), then filtering, sorting and slicing the copies. On
// a project of 100,000 customers that is about a second per page, whatever the page size, and
// paging through it by id takes minutes.
//
// The fix runs the storage's own query, unchanged, over a view of the storage whose `all` hands
// out the stored objects themselves instead of copies, and without offset, limit or expand; then
// it slices the page, copies just that page and expands the copies, as the original does.
// Reusing the mock's own predicate and sort code (rather than, say, a sorted id index that only
// serves the `id > "<last>"` cursor pattern) keeps every query's filtering, ordering, `total`
// and errors exactly as before, for every predicate and sort, not only the migration's.
//
// Why handing out the stored objects is safe:
// - predicates and sorting only read them (applySort sorts a copy of the array), and nothing
//   else sees them: only copies of the page leave this function;
// - expansion writes into what it expands (`reference.obj = ...`), so it runs on the copies;
// - StorageMap stores a JSON copy of what it is given and replaces, never mutates, a stored
//   value, so a concurrent update cannot change an object a query holds; and stored objects are
//   already what such a copy gives (no undefined fields, no Dates), so predicates and sorting see
//   the values they saw on the copies. The page is copied the same way, a JSON round trip.
//
// Sorting 100,000 resources on every page still took about a quarter of a second, so for a
// sorted query `all` hands out the stored objects already in that order, kept from the previous
// query with the same sort until the collection changes. The storage's sort is stable, so its
// own order (ties in insertion order) survives the filter, and sorting the filtered objects again
// (which the storage's query still does) returns them as they are, in linear time: the result is
// the same as sorting the filtered objects in insertion order.
function copyOnlyTheQueriedPage(mock) {
	const storage = mock._storage;
	if (!(storage instanceof InMemoryStorage)) {
		return;
	}
	const copyingQuery = storage.query;

	// Per StorageMap: its stored objects in the order of each sort asked for (`byKey`, keyed by
	// the sort parameter as JSON), dropped whenever the map changes; `changes` counts changes.
	const ordersByMap = new WeakMap();

	function ordersOf(map) {
		let orders = ordersByMap.get(map);
		if (orders === undefined) {
			orders = { changes: 0, byKey: new Map() };
			ordersByMap.set(map, orders);
			// Every change to a StorageMap goes through these three; wrapped on this instance
			// only, so nothing else in the mock changes.
			for (const method of ["set", "delete", "clear"]) {
				const original = map[method].bind(map);
				map[method] = (...args) => {
					orders.changes += 1;
					orders.byKey.clear();
					return original(...args);
				};
			}
		}
		return orders;
	}

	// A view of the storage whose `all` returns the stored objects (StorageMap keeps them in
	// `_map`, a plain Map), in the order of `sort` when there is one; forProjectKey and the rest
	// are the storage's own, through the prototype.
	function storedObjects(sort) {
		const all = async (projectKey, typeId) => {
			const map = (await storage.forProjectKey(projectKey))[typeId];
			if (!map) {
				return [];
			}
			const inserted = Array.from(map._map.values());
			if (sort === undefined) {
				return inserted;
			}
			const orders = ordersOf(map);
			const key = JSON.stringify(sort);
			let ordered = orders.byKey.get(key);
			if (ordered === undefined) {
				// The storage's own sort, over every stored object in insertion order. Kept only
				// if the map did not change meanwhile (the query awaits).
				const changes = orders.changes;
				const view = Object.create(storage, { all: { value: async () => inserted } });
				const query = { sort, limit: Number.MAX_SAFE_INTEGER };
				ordered = (await copyingQuery.call(view, projectKey, typeId, query)).results;
				if (orders.changes === changes) {
					orders.byKey.set(key, ordered);
				}
			}
			return ordered;
		};
		return Object.create(storage, { all: { value: all } });
	}

	storage.query = async (projectKey, typeId, params = {}) => {
		const matched = await copyingQuery.call(storedObjects(params.sort), projectKey, typeId, {
			...params,
			offset: undefined,
			limit: Number.MAX_SAFE_INTEGER,
			expand: undefined,
		});

		// The same defaults and slicing as the storage's query.
		const offset = params.offset || 0;
		const limit = params.limit || 20;
		let results = matched.results
			.slice(offset, offset + limit)
			.map((resource) => JSON.parse(JSON.stringify(resource)));
		if (params.expand !== undefined) {
			results = await Promise.all(
				results.map((resource) => storage.expand(projectKey, resource, params.expand)),
			);
		}
		return { count: results.length, total: matched.total, offset, limit, results };
	};
}

honourSortParameter(mock);
addImportRoute(mock);
copyOnlyTheQueriedPage(mock);

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
