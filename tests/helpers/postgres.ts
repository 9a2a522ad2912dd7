/**
 * A real PostgreSQL for tests (initdb in a temporary directory, a free port, removed by stop()). The implementation
 * lives with the scale benchmark, which starts the same throw-away cluster: bench/scale/postgres.ts.
 */
export { postgresBinDir, startPostgres, type TestPostgres } from '../../bench/scale/postgres.ts';
