// The reference of the load run: the same HTTP framework (fastify) with one bare route that answers a small JSON
// body, so the table shows what the framework alone costs on this machine.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/', async () => ({ RequestId: 'reference', Snapshots: [] }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${address.replace(/^http:\/\//, '')}`);
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
