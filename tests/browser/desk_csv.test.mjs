// The desk's CSV export (web/desk/csv.js): quoting and formula-injection
// safety, without a browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, toCsv } from '../../web/desk/csv.js';

describe('desk CSV', () => {
  it('quotes every cell and doubles quotes, keeps commas and line breaks inside', () => {
    assert.equal(csvCell('case "A", 2025/117'), '"case ""A"", 2025/117"');
    assert.equal(csvCell('line 1\nline 2'), '"line 1\nline 2"');
    assert.equal(csvCell(null), '""');
    assert.equal(csvCell(42), '"42"');
  });

  it('neutralises cells a spreadsheet would run as formulas', () => {
    for (const evil of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      assert.equal(csvCell(evil)[1], "'", evil);
    }
    assert.equal(csvCell('дело № 2025/117'), '"дело № 2025/117"');
    assert.equal(csvCell('a-b'), '"a-b"', 'a dash inside is harmless');
  });

  it('joins rows with CRLF and ends with one', () => {
    assert.equal(toCsv(['at', 'reason'], [['2025-10-31', '=cmd']]), '"at","reason"\r\n"2025-10-31","\'=cmd"\r\n');
  });
});
