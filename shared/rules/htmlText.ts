/**
 * Text made safe to place in HTML, as element content or a quoted attribute value. Every page
 * the service writes by hand (the invitation pages, the invitation mail) puts user-supplied
 * text (names, usernames, messages) through it.
 */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
