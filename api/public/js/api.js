// The page's only door to the server: every call carries the Bearer key, every refusal
// becomes an ApiError with the server's own message ({error: {code, message, details}}).

const KEY_STORAGE = 'userImport.apiKey';
let apiKey = sessionStorage.getItem(KEY_STORAGE);
const unauthorisedListeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const storedKey = () => apiKey;

export function rememberKey(key) {
  apiKey = key;
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Called when a signed-in call answers 401: the key was revoked or the server changed. */
export function onUnauthorised(listener) {
  unauthorisedListeners.add(listener);
}

const authHeaders = (key = apiKey) => ({ Authorization: `Bearer ${key}` });

async function errorFrom(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = body && body.error;
  if (error && typeof error.message === 'string') return new ApiError(response.status, error.code, error.message, error.details);
  return new ApiError(response.status, 'http_' + response.status, `The server answered ${response.status} ${response.statusText || ''}`.trim() + '. Try again.');
}

const networkError = () => new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');

/** JSON call. `json` is sent as the body; returns the parsed answer (null for 204). */
export async function api(path, { method = 'GET', json, key } = {}) {
  const headers = authHeaders(key);
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch {
    throw networkError();
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !key) unauthorisedListeners.forEach((listener) => listener(error));
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

/**
 * Multipart upload through XMLHttpRequest, the one browser API that reports upload progress
 * (a large CSV takes a while to send). Resolves with the job the server queued.
 */
export function uploadFile(path, file, fields, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
    form.append('file', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', path);
    request.setRequestHeader('Authorization', authHeaders().Authorization);
    request.responseType = 'text';
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    request.addEventListener('error', () => reject(networkError()));
    request.addEventListener('load', () => {
      let body;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      if (request.status >= 200 && request.status < 300) return resolve(body);
      const error = body && body.error;
      const failure = error
        ? new ApiError(request.status, error.code, error.message, error.details)
        : new ApiError(request.status, 'http_' + request.status, `The server answered ${request.status}. Try again.`);
      if (request.status === 401) unauthorisedListeners.forEach((listener) => listener(failure));
      reject(failure);
    });
    request.send(form);
  });
}

function fileNameFrom(disposition, fallback) {
  if (!disposition) return fallback;
  const extended = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1].trim() : fallback;
}

/**
 * Downloads a protected file: a plain link cannot send the Bearer header, so fetch it, wrap it
 * in an object URL and click a temporary link. Returns the file name the server gave.
 */
export async function downloadFile(path, fallbackName) {
  let response;
  try {
    response = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
  } catch {
    throw networkError();
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401) unauthorisedListeners.forEach((listener) => listener(error));
    throw error;
  }
  const name = fileNameFrom(response.headers.get('Content-Disposition'), fallbackName);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}
