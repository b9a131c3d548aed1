// The kiosk's languages and steps, shared by the enrolment and status pages.

export const KIOSK_LANGUAGES = [
  // code, name in its own language and script
  ['ru', 'Русский'], ['uk', 'Українська'], ['tg', 'Тоҷикӣ'], ['uz', 'Oʻzbekcha'],
  ['ro', 'Română'], ['en', 'English'], ['fr', 'Français'], ['de', 'Deutsch'],
  ['ky', 'Кыргызча'], ['kk', 'Қазақша'], ['zh', '中文'], ['tr', 'Türkçe'], ['ka', 'ქართული'],
];

// What the person does, in order; review comes last.
export const STEPS = ['passport', 'details', 'face', 'slap-left', 'slap-right', 'thumbs',
  'palm-left', 'palm-right', 'signature', 'review'];

export const CAPTURES = ['face', 'slap-left', 'slap-right', 'thumbs', 'palm-left', 'palm-right'];

// Face checks that have a picture of their own (img/advice-<code>.svg).
export const ADVICE_PICTURES = new Set(['move_closer', 'move_back', 'eyes_not_visible', 'too_dark',
  'look_straight', 'two_faces']);

// "123456789012" → "1234 5678 9012", the way it is read aloud and typed.
export function groupReceipt(r) {
  return String(r).replace(/(\d{4})(?=\d)/g, '$1 ');
}
