/**
 * The local AWS-compatible servers in a process of their own (bench/handler.ts): like real S3, SNS and DynamoDB,
 * they then do not share the measured process's CPU. Prints the SDK environment as one JSON line, then serves
 * until stdin closes.
 */
import { startLocalServers } from '../lambda/local/servers';

const servers = await startLocalServers();
process.stdout.write(JSON.stringify(servers.env) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void servers.stop().then(() => process.exit(0));
});
