// One autocannon run with per-request signing and answer classification: 2xx, an intended refusal (throttling,
// another operation in flight) or an unexpected error (any other code, a socket error, a timeout).
import autocannon from 'autocannon';

/** Codes the load provokes on purpose: CreateSnapshot on a disk whose snapshot is still creating, throttling. */
export const INTENDED = new Set(['SystemConcurrentOperate', 'Throttling.User', 'Throttling']);

function codeOf(body) {
  try {
    return JSON.parse(body).Code ?? 'no Code';
  } catch {
    return 'not JSON';
  }
}

/**
 * `makeRequest()` answers `{ method, path, headers, body }` for each request (fresh nonce and timestamp).
 * Answers the table row and the counts per answer code.
 */
export async function cannon({ label, url, seconds, connections, makeRequest }) {
  const counts = { ok: 0, intended: 0, unexpected: 0, codes: {} };
  const result = await autocannon({
    url, duration: seconds, connections, timeout: 10,
    requests: [{
      setupRequest: (req) => ({ ...req, ...makeRequest() }),
      onResponse: (status, body) => {
        if (status >= 200 && status < 300) return void counts.ok++;
        const code = codeOf(body);
        counts.codes[code] = (counts.codes[code] ?? 0) + 1;
        if (INTENDED.has(code)) counts.intended++;
        else counts.unexpected++;
      },
    }],
  });
  return {
    row: {
      label,
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      total: result.requests.total,
      ok: counts.ok,
      intended: counts.intended,
      unexpectedErrors: counts.unexpected + result.errors + result.timeouts,
    },
    codes: counts.codes,
  };
}

export function printTable(rows) {
  const head = ['run', 'req/s', 'p50 ms', 'p99 ms', 'requests', '2xx', 'intended refusals', 'other errors'];
  const lines = rows.map((r) => [r.label, r.requestsPerSecond, r.p50Ms, r.p99Ms, r.total, r.ok, r.intended, r.unexpectedErrors].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n'));
}
