import fs from 'node:fs';
import path from 'node:path';
import { findUnknownVariables } from '../../src/config/findUnknownVariables';
import { CONFIG_VARIABLES } from '../../src/config/loadConfig';

describe('findUnknownVariables', () => {
  it('reports a misspelled setting with the one it most likely meant', () => {
    expect(findUnknownVariables(['LOG_LEVL', 'HTTP_PROT', 'couchdb_url'])).toEqual([
      { name: 'LOG_LEVL', didYouMean: 'LOG_LEVEL' },
      { name: 'HTTP_PROT', didYouMean: 'HTTP_PORT' },
      { name: 'couchdb_url', didYouMean: 'COUCHDB_URL' },
    ]);
  });

  it('reports a name like no setting without a guess', () => {
    expect(findUnknownVariables(['MY_OWN_THING'])).toEqual([{ name: 'MY_OWN_THING' }]);
  });

  it('passes every setting the configuration reads, and what the runtime reads', () => {
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(['HTTP_PORT', 'COUCHDB_URL', 'LOG_LEVEL', 'DEBUG', 'WS_AUTH_TOKEN']));
    expect(findUnknownVariables([...CONFIG_VARIABLES, 'NODE_ENV', 'MALLOC_ARENA_MAX'])).toEqual([]);
  });

  it('passes what npm run demo (test-api.ts) reads from the same .env, as docs/tools.md tells users to put there', () => {
    const dir = path.resolve(__dirname, '../../scripts/testApi');
    const source = fs.readdirSync(dir).map((file) => fs.readFileSync(path.join(dir, file), 'utf8')).join('\n');
    const read = [...new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]))];
    expect(read).toEqual(expect.arrayContaining(['API_URL', 'WS_URL', 'TIMEOUT_SECONDS']));
    expect(findUnknownVariables(read)).toEqual([]);
  });
});
