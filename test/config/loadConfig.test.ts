import path from 'node:path';
import fs from 'node:fs';
import * as dotenv from 'dotenv';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config/loadConfig';


/** The error loadConfig refuses `env` with (fails the test if it accepts it). */
function refusalOf(env: NodeJS.ProcessEnv): Error {
  try {
    loadConfig(env);
  } catch (e) {
    return e as Error;
  }
  throw new Error('accepted');
}

describe('loadConfig', () => {
  it('applies the SPEC defaults on an empty environment, every field of the config', () => {
    // toEqual, not toMatchObject: a default changed (or a field added) must show up here.
    expect(loadConfig({})).toEqual({
      host: '0.0.0.0',
      httpPort: 4000,
      wsPort: 4001,
      engine: 'local',
      gemini: {},
      imageCount: 4,
      maxUploadBytes: 20 * 1024 * 1024,
      maxImagePixels: 100_000_000,
      maxConcurrentRequests: 4,
      maxQueuedRequests: 16,
      requestTimeoutMs: 180_000,
      uploadIdleTimeoutMs: 30_000,
      couchdbUrl: undefined,
      redisUrl: undefined,
      redisChannel: 'snatchshot:events',
      dataDir: path.resolve('./data'),
      embeddedDb: 'child-process',
      wsAuthToken: undefined,
      wsAllowedOrigins: [],
      wsDelivery: 'broadcast',
      wsHeartbeatMs: 30_000,
      wsMaxBufferedBytes: 8 * 1024 * 1024,
      wsMaxPayloadBytes: 16 * 1024,
      rateLimitPerMinute: 0,
      trustProxy: ['loopback'],
      shutdownTimeoutMs: 30_000,
      corsOrigin: '*',
      logLevel: 'info',
      debugWebsocket: false,
    });
  });

  it('reads every variable SPEC §6 names', () => {
    const spec = ['HTTP_PORT', 'WS_PORT', 'ENGINE', 'GEMINI_API_KEY', 'GEMINI_TEXT_MODEL', 'GEMINI_IMAGE_MODEL', 'GEMINI_BASE_URL', 'IMAGE_COUNT', 'MAX_UPLOAD_MB', 'MAX_CONCURRENT_REQUESTS', 'COUCHDB_URL', 'DATA_DIR', 'WS_AUTH_TOKEN', 'CORS_ORIGIN', 'LOG_LEVEL', 'DEBUG'];
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(spec));
    // Each one changes the configuration it is read into.
    const config = loadConfig({
      HTTP_PORT: '5000',
      WS_PORT: '5001',
      ENGINE: 'gemini',
      GEMINI_API_KEY: 'k',
      GEMINI_TEXT_MODEL: 'text-model',
      GEMINI_IMAGE_MODEL: 'image-model',
      GEMINI_BASE_URL: 'http://gemini.example',
      IMAGE_COUNT: '2',
      MAX_UPLOAD_MB: '5',
      MAX_CONCURRENT_REQUESTS: '3',
      COUCHDB_URL: 'http://db.example:5984',
      DATA_DIR: '/tmp/snatchshot-spec',
      WS_AUTH_TOKEN: 'secret',
      CORS_ORIGIN: 'http://a.example',
      LOG_LEVEL: 'warn',
      DEBUG: 'websocket:*',
    });
    expect(config).toMatchObject({
      httpPort: 5000,
      wsPort: 5001,
      engine: 'gemini',
      gemini: { apiKey: 'k', textModel: 'text-model', imageModel: 'image-model', baseUrl: 'http://gemini.example' },
      imageCount: 2,
      maxUploadBytes: 5 * 1024 * 1024,
      maxConcurrentRequests: 3,
      couchdbUrl: 'http://db.example:5984',
      dataDir: '/tmp/snatchshot-spec',
      wsAuthToken: 'secret',
      corsOrigin: 'http://a.example',
      logLevel: 'warn',
      debugWebsocket: true,
    });
  });

  it('counts WS_MAX_PAYLOAD_KB and WS_MAX_BUFFERED_MB in binary units (1 KB = 1024 bytes)', () => {
    const config = loadConfig({ WS_MAX_PAYLOAD_KB: '64', WS_MAX_BUFFERED_MB: '2' });
    expect(config.wsMaxPayloadBytes).toBe(64 * 1024);
    expect(config.wsMaxBufferedBytes).toBe(2 * 1024 * 1024);
  });

  it('runs the embedded database in the service process with EMBEDDED_DB=in-process', () => {
    expect(loadConfig({ EMBEDDED_DB: 'in-process' }).embeddedDb).toBe('in-process');
  });

  it('picks the gemini engine when a key is set', () => {
    expect(loadConfig({ GEMINI_API_KEY: 'k' }).engine).toBe('gemini');
    expect(loadConfig({ GEMINI_API_KEY: 'k', ENGINE: 'local' }).engine).toBe('local');
  });

  it.each([
    ['HTTP_PORT', 'abc'],
    ['WS_PORT', '70000'],
    ['ENGINE', 'magic'],
    ['EMBEDDED_DB', 'thread'],
    ['IMAGE_COUNT', '0'],
    ['IMAGE_COUNT', '9'],
    ['MAX_UPLOAD_MB', '-1'],
    ['MAX_UPLOAD_MB', '0.0000001'],
    ['WS_MAX_BUFFERED_MB', '0'],
    ['WS_MAX_BUFFERED_MB', '0.0000001'],
    ['WS_MAX_PAYLOAD_KB', '0.0001'],
    ['WS_MAX_PAYLOAD_KB', '0.01'],
    ['MAX_CONCURRENT_REQUESTS', '0'],
    ['COUCHDB_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['WS_DELIVERY', 'some'],
    ['HTTP_PORT', '0x10'],
    ['HTTP_PORT', '1e3'],
    ['IMAGE_COUNT', '4.0'],
    ['MAX_QUEUED_REQUESTS', '-1'],
    ['MAX_UPLOAD_MB', '1e1'],
    ['CORS_ORIGIN', 'http://a.example/'],
    ['CORS_ORIGIN', 'not a url'],
    ['CORS_ORIGIN', 'http://a.example,https://b.example/app'],
    ['WS_ALLOWED_ORIGINS', '*'],
    ['WS_ALLOWED_ORIGINS', 'a.example'],
  ])('stops with a message naming %s when it is %p', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}=`));
  });

  it('reads a blank value as unset: the default, not 0 or an empty string', () => {
    const config = loadConfig({ HTTP_PORT: '', WS_PORT: ' ', MAX_QUEUED_REQUESTS: '', IMAGE_COUNT: '', CORS_ORIGIN: '', GEMINI_API_KEY: '' });
    expect(config).toMatchObject({ httpPort: 4000, wsPort: 4001, maxQueuedRequests: 16, imageCount: 4, corsOrigin: '*', engine: 'local' });
  });

  it.each([
    ['http://admin:Sup3rSecret@', 'must be a URL such as http://user:password@localhost:5984'],
    ['ftp://admin:Sup3rSecret@db.example:5984', 'must start with http:// or https://'],
    ['admin:Sup3rSecret@localhost:5984', 'must start with http:// or https://'],
    ['http://admin:Sup3r%Secret@db.example:5984', "the user name or password holds a '%' that is not URL-encoded (write it as %25)"],
  ])('refuses COUCHDB_URL=%s saying why, without printing the password', (value, why) => {
    const err = refusalOf({ COUCHDB_URL: value });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(new RegExp(`^Invalid COUCHDB_URL="[^"]*": ${why.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    expect(err.message).not.toContain('Sup3r');
  });

  it('accepts a CouchDB URL with URL-encoded credentials', () => {
    expect(loadConfig({ COUCHDB_URL: 'https://admin:p%40ss@db.example:6984' }).couchdbUrl).toBe('https://admin:p%40ss@db.example:6984');
  });

  it('says why a number is refused, naming the variable', () => {
    expect(() => loadConfig({ HTTP_PORT: '0x10' })).toThrow('Invalid HTTP_PORT="0x10": must be a whole number (decimal digits only)');
    expect(() => loadConfig({ IMAGE_COUNT: '0' })).toThrow('Invalid IMAGE_COUNT="0": must be at least 1');
    expect(() => loadConfig({ IMAGE_COUNT: '9' })).toThrow('Invalid IMAGE_COUNT="9": must be at most 8');
    expect(() => loadConfig({ CORS_ORIGIN: 'http://a.example/' })).toThrow(
      'Invalid CORS_ORIGIN="http://a.example/": "http://a.example/" is not an origin: write scheme://host[:port] with no path or trailing slash (or use *)',
    );
    expect(() => loadConfig({ WS_ALLOWED_ORIGINS: 'https://Example.com:443' })).toThrow(
      'Invalid WS_ALLOWED_ORIGINS="https://Example.com:443": "https://Example.com:443" is not an origin: browsers send it as https://example.com',
    );
  });

  it('accepts origins as browsers send them, and * for CORS', () => {
    const config = loadConfig({ CORS_ORIGIN: 'http://a.example, https://b.example:8443', WS_ALLOWED_ORIGINS: 'http://localhost:4000' });
    expect(config.corsOrigin).toBe('http://a.example, https://b.example:8443');
    expect(config.wsAllowedOrigins).toEqual(['http://localhost:4000']);
    expect(loadConfig({ CORS_ORIGIN: '*' }).corsOrigin).toBe('*');
    // A page opened from disk sends `null`; hybrid mobile apps send their own schemes.
    expect(loadConfig({ CORS_ORIGIN: 'null,capacitor://localhost', WS_ALLOWED_ORIGINS: 'null, ionic://localhost' }).wsAllowedOrigins).toEqual([
      'null',
      'ionic://localhost',
    ]);
  });

  it('trusts X-Forwarded-For from loopback proxies by default, and from the hops or addresses TRUST_PROXY gives', () => {
    expect(loadConfig({}).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8 ,fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
  });

  it('refuses a TRUST_PROXY that trusts everyone or is no address, naming it', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/^Invalid TRUST_PROXY="true": trusting every address would let any client pick its own IP/);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback,*' })).toThrow(/^Invalid TRUST_PROXY="loopback,\*": trusting every address/);
    expect(() => loadConfig({ TRUST_PROXY: 'my-balancer' })).toThrow(/^Invalid TRUST_PROXY="my-balancer": invalid IP address: my-balancer; give a hop count/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/^Invalid TRUST_PROXY="10.0.0.0\/33": invalid range on address/);
  });

  it('needs a key for ENGINE=gemini', () => {
    expect(() => loadConfig({ ENGINE: 'gemini' })).toThrow(/GEMINI_API_KEY/);
  });

  it('refuses the same port for HTTP and WebSocket', () => {
    expect(() => loadConfig({ HTTP_PORT: '5000', WS_PORT: '5000' })).toThrow(/WS_PORT/);
  });

  it('turns on WebSocket debug logging for DEBUG=websocket:*', () => {
    expect(loadConfig({ DEBUG: 'websocket:*' }).debugWebsocket).toBe(true);
    expect(loadConfig({ DEBUG: 'express:*,websocket:*' }).debugWebsocket).toBe(true);
    expect(loadConfig({ DEBUG: 'express:*' }).debugWebsocket).toBe(false);
  });

  it('reads DEBUG as the debug package does: * for everything, spaces as separators, -name to exclude', () => {
    expect(loadConfig({ DEBUG: '*' }).debugWebsocket).toBe(true);
    expect(loadConfig({ DEBUG: 'express:* websocket:*' }).debugWebsocket).toBe(true);
    expect(loadConfig({ DEBUG: '*,-websocket:*' }).debugWebsocket).toBe(false);
    expect(loadConfig({ DEBUG: 'websocketx:*' }).debugWebsocket).toBe(false);
  });

  it.each([
    ['localhost:8080', 'must start with http:// or https://'],
    ['ftp://gemini.example', 'must start with http:// or https://'],
    ['http://user:Sup3rSecret@gemini.example', 'must not hold a user name or password'],
    ['https://gemini.example/?key=Sup3rSecret', 'must not have a query or fragment'],
  ])('refuses GEMINI_BASE_URL=%s, which every Gemini call would fail on, saying why without printing secrets', (value, why) => {
    const err = refusalOf({ GEMINI_BASE_URL: value });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^Invalid GEMINI_BASE_URL="[^"]*": /);
    expect(err.message).toContain(why);
    expect(err.message).not.toContain('Sup3r');
  });

  it('accepts a GEMINI_BASE_URL with a path prefix, as a gateway may need', () => {
    expect(loadConfig({ GEMINI_BASE_URL: 'https://gateway.example/gemini' }).gemini.baseUrl).toBe('https://gateway.example/gemini');
  });

  it.each([
    ['localhost:6379', 'must start with redis:// or rediss:// (TLS)'],
    ['http://:Sup3rSecret@cache.example:6379', 'must start with redis:// or rediss:// (TLS)'],
    ['redis://:Sup3r%Secret@cache.example:6379', "the user name or password holds a '%' that is not URL-encoded (write it as %25)"],
    ['redis://:Sup3rSecret@cache.example:6379?db=2', 'must not have a query or fragment'],
    ['redis://:Sup3rSecret@cache.example:6379/events', 'its path can only be a database number'],
    ['redis:Sup3rSecret', 'names no host'],
  ])('refuses REDIS_URL=%s saying why, without printing the password', (value, why) => {
    const err = refusalOf({ REDIS_URL: value });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^Invalid REDIS_URL="[^"]*": /);
    expect(err.message).toContain(why);
    expect(err.message).not.toContain('Sup3r');
  });

  it('shows a refused REDIS_URL with its password masked', () => {
    expect(refusalOf({ REDIS_URL: 'redis://:Sup3rSecret@cache.example:6379/x' }).message).toMatch(/^Invalid REDIS_URL="redis:\/\/\*\*\*:\*\*\*@cache\.example:6379\/x": /);
  });

  it('accepts Redis URLs with and without TLS, credentials and a database number', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://default:p%40ss@cache.example:6380/2', 'redis://:secret@cache.example/']) {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    }
    expect(loadConfig({ REDIS_URL: ' ' }).redisUrl).toBeUndefined();
  });

  it('takes a REDIS_CHANNEL of printable characters and refuses one with spaces', () => {
    expect(loadConfig({ REDIS_CHANNEL: 'staging:events' }).redisChannel).toBe('staging:events');
    expect(() => loadConfig({ REDIS_CHANNEL: 'my events' })).toThrow(/^Invalid REDIS_CHANNEL="my events": must be 1 to 200 printable ASCII characters, no spaces$/);
  });

  it('reads lists and sizes', () => {
    const config = loadConfig({ WS_ALLOWED_ORIGINS: 'http://a.example, http://b.example', MAX_UPLOAD_MB: '1.5' });
    expect(config.wsAllowedOrigins).toEqual(['http://a.example', 'http://b.example']);
    expect(config.maxUploadBytes).toBe(Math.round(1.5 * 1024 * 1024));
  });
});

describe('.env.example', () => {
  const file = path.resolve(__dirname, '../../.env.example');
  const text = fs.readFileSync(file, 'utf8');

  it('is a valid configuration as shipped', () => {
    expect(() => loadConfig(dotenv.parse(text))).not.toThrow();
  });

  it('documents every variable the service reads', () => {
    const source = fs.readFileSync(path.resolve(__dirname, '../../src/config/loadConfig.ts'), 'utf8');
    const read = [...source.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(20);
    for (const name of read) expect(text).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
  });
});
