/** Public surface of the risk module (risk.ts): limits, their user-config schema, and the RiskEngine. */
export * from './risk.ts';
