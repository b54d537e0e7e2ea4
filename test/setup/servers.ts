// vitest globalSetup: start the local AWS-compatible servers once and hand their URLs to the workers via env.
import { startLocalServers } from '../../lambda/local/servers';

export default async function setup(): Promise<() => Promise<void>> {
  const servers = await startLocalServers();
  Object.assign(process.env, servers.env);
  return () => servers.stop();
}
