// CSV for the auditors' exports (RFC 4180): every cell quoted, quotes
// doubled, CRLF line ends; and a cell that a spreadsheet would read as a
// formula (starting with =, +, -, @, or a tab or CR before one) gets a
// leading apostrophe so that opening the file never runs anything
// (OWASP "CSV injection"). Pure: no DOM, so node tests import it.

const FORMULA = /^[\t\r]*[=+\-@]/;

export function csvCell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
