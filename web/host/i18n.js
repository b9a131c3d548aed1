// Texts of the host page. The landlord may not read the tenant's language,
// so the page offers Russian and English; Russian is the fallback.
export const catalogs = {
  ru: {
    app_name: 'Учёт',
    page_title: 'Подтверждение проживания — Учёт',
    title: 'Подтверждение проживания',
    intro: 'Жилец дал вам одноразовый код. Введите его и своё имя, чтобы подтвердить, что он живёт у вас.',
    code_label: 'Код',
    code_hint: '12 букв и цифр, например ABCD-EFGH-JKMN',
    name_label: 'Ваше имя (хозяин жилья)',
    submit: 'Подтвердить',
    sending: 'Отправляем…',
    done: 'Спасибо. Проживание по этому адресу подтверждено:',
    done_note: 'Код больше не действует. Жилец получит уведомление.',
    err_code: 'Код не подходит: проверьте его. Код действует 7 дней, один раз и только для текущего адреса жильца.',
    err_name: 'Напишите своё имя.',
    err_code_empty: 'Введите код.',
    err_rate: 'Слишком много неверных кодов. Попробуйте через {minutes} мин.',
    err_network: 'Нет связи с сервером. Попробуйте ещё раз.',
    err_other: 'Не получилось: {detail}',
  },
  en: {
    app_name: 'Uchet',
    page_title: 'Confirm a tenant — Uchet',
    title: 'Confirm that your tenant lives here',
    intro: 'Your tenant gave you a one-time code. Enter it and your name to confirm that they live at your place.',
    code_label: 'Code',
    code_hint: '12 letters and digits, like ABCD-EFGH-JKMN',
    name_label: 'Your name (the landlord)',
    submit: 'Confirm',
    sending: 'Sending…',
    done: 'Thank you. Residence at this address is confirmed:',
    done_note: 'The code no longer works. Your tenant will be notified.',
    err_code: 'This code does not work: check it. A code works for 7 days, once, and only for the tenant\'s current address.',
    err_name: 'Write your name.',
    err_code_empty: 'Enter the code.',
    err_rate: 'Too many wrong codes. Try again in {minutes} min.',
    err_network: 'Cannot reach the server. Try again.',
    err_other: 'That did not work: {detail}',
  },
};

// The text of key in lang (Russian when missing), with {name} filled in.
export function text(lang, key, params = {}) {
  const msg = (catalogs[lang] && catalogs[lang][key]) || catalogs.ru[key] || key;
  return msg.replace(/\{([a-z_]+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// The first of the browser's languages the page has, else Russian.
export function pickLanguage(preferred) {
  for (const tag of preferred || []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base in catalogs) return base;
  }
  return 'ru';
}
