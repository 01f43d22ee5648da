// Runs s3rver (a real S3 protocol server, npm s3rver 3.7) in its own process for the
// scale-out tests: `node s3rver-child.mjs <directory> <port> <bucket>`; prints the port.
// Known limits: it ignores conditional writes (If-None-Match), keeps objects as plain
// files without fsync, and does about 80 PUT/s on this machine.
import S3rver from 's3rver';

const [directory, port, bucket] = process.argv.slice(2);
const server = new S3rver({
  directory,
  port: Number(port),
  address: '127.0.0.1',
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const addr = await server.run();
process.stdout.write(`${addr.port}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
