import { csvLine } from '../csv/csvWriting';
import { exportHeader, exportRow, type ExportDirectory, type ExportedUser } from './exportRow';

const FIELDS = [
  { key: 'jobtitle', label: 'Job title' },
  { key: 'department', label: 'Department' },
];
const DIRECTORY: ExportDirectory = {
  groupNames: new Map([
    ['g-mkt', 'Marketing'],
    ['g-sales', '=Sales'],
  ]),
  customFields: FIELDS,
};
/** Like a MongoDB ObjectId: the export only ever reads its text. */
const storedId = (hex: string) => ({ toString: () => hex });
const ANN: ExportedUser = {
  email: 'ann@example.com',
  username: 'ann',
  firstName: 'Ann',
  lastName: 'Lee',
  groupIds: ['g-mkt'],
  roles: ['Admin', 'Learner'],
  externalId: 'EXT-1',
  customFields: { jobtitle: 'Engineer', department: 'R&D' },
};

// The layout itself, pinned: a change of columns or order must show up here (and in the README).
describe('the export layout', () => {
  test('the header line is the standard columns, then the custom field labels in directory order', () => {
    expect(csvLine(exportHeader(FIELDS))).toBe('Email,Username,First Name,Last Name,User groups,Roles,Password,External ID,Job title,Department\r\n');
  });

  test('a user line has a cell per header column, the password blank', () => {
    expect(csvLine(exportRow(ANN, DIRECTORY))).toBe('ann@example.com,ann,Ann,Lee,Marketing,Admin; Learner,,EXT-1,Engineer,R&D\r\n');
  });
});

describe("a user's cells", () => {
  test.each<[string, ExportedUser, string[]]>([
    ['a user with only the required values has blank cells for the rest', { email: 'bo@example.com', username: 'bo' }, ['bo@example.com', 'bo', '', '', '', '', '', '', '', '']],
    ['values stored as null are blank cells', { ...ANN, firstName: null, lastName: null, groupIds: null, roles: null, externalId: null, customFields: null }, ['ann@example.com', 'ann', '', '', '', '', '', '', '', '']],
    ['empty lists are blank cells', { ...ANN, groupIds: [], roles: [] }, ['ann@example.com', 'ann', 'Ann', 'Lee', '', '', '', 'EXT-1', 'Engineer', 'R&D']],
    [
      'cells that would start a formula get a leading quote',
      { ...ANN, email: '+ann@example.com', username: '@ann', firstName: '=SUM(1)', lastName: '-Lee', externalId: '\t7', customFields: { jobtitle: '@lead', department: '+44 20' } },
      ["'+ann@example.com", "'@ann", "'=SUM(1)", "'-Lee", 'Marketing', 'Admin; Learner', '', "'\t7", "'@lead", "'+44 20"],
    ],
    [
      'cells that already start with quotes keep them, and one more only before a formula',
      { ...ANN, firstName: "'Brien", lastName: "''=x", externalId: "'-7" },
      ['ann@example.com', 'ann', "'Brien", "'''=x", 'Marketing', 'Admin; Learner', '', "''-7", 'Engineer', 'R&D'],
    ],
    ['groups are named, `; `-joined in the order stored, the whole cell guarded', { ...ANN, groupIds: ['g-sales', 'g-mkt'] }, ['ann@example.com', 'ann', 'Ann', 'Lee', "'=Sales; Marketing", 'Admin; Learner', '', 'EXT-1', 'Engineer', 'R&D']],
    ['group ids stored as ObjectIds are named by their text', { ...ANN, groupIds: [storedId('g-mkt'), storedId('g-sales')] }, ['ann@example.com', 'ann', 'Ann', 'Lee', 'Marketing; =Sales', 'Admin; Learner', '', 'EXT-1', 'Engineer', 'R&D']],
    ['a group deleted since it was assigned is left out', { ...ANN, groupIds: ['g-gone', 'g-mkt'] }, ['ann@example.com', 'ann', 'Ann', 'Lee', 'Marketing', 'Admin; Learner', '', 'EXT-1', 'Engineer', 'R&D']],
    ['roles are `; `-joined in the order stored', { ...ANN, roles: ['Reviewer', 'Admin', 'Prizing User'] }, ['ann@example.com', 'ann', 'Ann', 'Lee', 'Marketing', 'Reviewer; Admin; Prizing User', '', 'EXT-1', 'Engineer', 'R&D']],
    [
      'custom values follow the directory order, not the order stored, and only configured fields',
      { ...ANN, customFields: { shoesize: '42', department: 'R&D', jobtitle: 'Engineer' } },
      ['ann@example.com', 'ann', 'Ann', 'Lee', 'Marketing', 'Admin; Learner', '', 'EXT-1', 'Engineer', 'R&D'],
    ],
    ['a custom field without a value is a blank cell', { ...ANN, customFields: { department: 'R&D' } }, ['ann@example.com', 'ann', 'Ann', 'Lee', 'Marketing', 'Admin; Learner', '', 'EXT-1', '', 'R&D']],
  ])('%s', (_, user, cells) => {
    expect(exportRow(user, DIRECTORY)).toEqual(cells);
  });

  test('a record that carries a password hash still exports a blank Password cell', () => {
    const stored = { ...ANN, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' };
    expect(exportRow(stored, DIRECTORY)[exportHeader(FIELDS).indexOf('Password')]).toBe('');
  });

  test('a custom field keyed like an Object property is a blank cell unless the user holds a value for it', () => {
    const directory = { ...DIRECTORY, customFields: [{ key: 'constructor', label: 'Constructor' }] };
    expect(exportRow({ ...ANN, customFields: {} }, directory).at(-1)).toBe('');
    expect(exportRow({ ...ANN, customFields: { constructor: 'Builder' } }, directory).at(-1)).toBe('Builder');
  });
});

describe('the header', () => {
  test.each<[string, { key: string; label: string }[], string[]]>([
    ['no custom fields: the standard columns alone', [], ['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID']],
    ['a label that would start a formula gets a leading quote', [{ key: 'total', label: '=Total' }], ['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID', "'=Total"]],
  ])('%s', (_, fields, header) => {
    expect(exportHeader(fields)).toEqual(header);
  });

  test('every row has as many cells as the header has columns', () => {
    expect(exportRow({ email: 'bo@example.com', username: 'bo' }, DIRECTORY)).toHaveLength(exportHeader(FIELDS).length);
  });
});
