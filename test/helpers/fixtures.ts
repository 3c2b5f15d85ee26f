/**
 * The vendored fixture tree (test/fixtures/polymarket; sources, commits and licences in its PROVENANCE.md).
 * Tests, benchmarks and the recording/scenario builders read fixtures from here only: nothing reads outside
 * the repository, so a bare clone runs everything.
 */
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'polymarket');
/** Single-message adapter fixtures of NautilusTrader (crates/adapters/polymarket/test_data). */
export const NAUTILUS_TEST_DATA = join(FIXTURES, 'nautechsystems__nautilus_trader/crates/adapters/polymarket/test_data');
