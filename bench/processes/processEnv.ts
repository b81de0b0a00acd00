/** Environment variables the orchestrator passes to benchmark processes. */

/** The fake Gemini server's script, JSON `{ "textMs": 250, "imageMs": [1000, …] }`. */
export const FAKE_GEMINI_SCRIPT_ENV = 'BENCH_FAKE_GEMINI_SCRIPT';

/** The LevelDB folder of the stand-alone CouchDB process. */
export const COUCH_DATA_DIR_ENV = 'BENCH_COUCH_DATA_DIR';
