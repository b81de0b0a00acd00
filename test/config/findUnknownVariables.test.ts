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
});
