/**
 * A real PostgreSQL for tests (initdb in a temporary directory, a free port, removed by stop()). The implementation
 * lives with the scale benchmark, which starts the same throw-away cluster: bench/harness/postgres.ts.
 */
export { postgresBinDir, startPostgres, type TestPostgres } from '../../bench/harness/postgres.ts';
