import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../shared/rules/passwordPolicy';
import { AppError } from '../../shared/platform/appError';
import { LINK_PROBLEMS, acceptInvitation, inspectInvitationLink } from '../../shared/invitations/acceptInvitation';
import { escapeHtml } from '../../shared/rules/htmlText';
import { statusOf, toAppError } from '../http/errorHandler';
import { jsonBody } from '../http/requestBodies';

/** A file of its own, not a <style> in the page: the Content-Security-Policy allows no inline style. */
const STYLESHEET_PATH = '/invitation.css';
const STYLESHEET = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
label,input,button{display:block;width:100%;box-sizing:border-box;font-size:1rem}input{padding:.5rem;margin:.25rem 0 1rem}
button{padding:.6rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px}.problem{color:#b91c1c}
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

const linkProblemPage = (problem: string) => page('Invitation link', `<p class="problem">${escapeHtml(problem)}</p>`);

function passwordForm(token: string, username: string, problem?: string): string {
  return page(
    'Choose your password',
    `<p>Welcome, <strong>${escapeHtml(username)}</strong>. Choose a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.</p>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/invite/${encodeURIComponent(token)}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_MIN}" maxlength="${PASSWORD_MAX}" required autofocus>
<button type="submit">Set password</button></form>`,
  );
}

const wantsJson = (req: Request) => req.is('application/json') === 'application/json' || (!req.accepts('html') && Boolean(req.accepts('json')));

/** The page an invited user lands on from the mail: no API key, a single-use expiring token. */
export function invitePages(): Router {
  const router = Router();
  // Outside /invite, so loading it does not count against the rate limit below.
  router.get(STYLESHEET_PATH, (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=300').send(STYLESHEET);
  });
  // Tokens are unguessable, but a flood of guesses or password posts should still be stopped.
  router.use('/invite', rateLimit({ windowMs: 60_000, limit: 30, standardHeaders: 'draft-7', legacyHeaders: false }));

  router.get('/invite/:token', async (req, res) => {
    const state = await inspectInvitationLink(req.params.token);
    if (!state.usable) {
      res.status(state.reason === 'unknown' ? 404 : 410).type('html').send(linkProblemPage(LINK_PROBLEMS[state.reason]));
      return;
    }
    res.type('html').send(passwordForm(req.params.token, state.username));
  });

  router.post('/invite/:token', express.urlencoded({ extended: false, limit: '4kb' }), jsonBody('4kb'), async (req: Request, res: Response) => {
    const token = req.params.token as string;
    try {
      await acceptInvitation(token, req.body?.password);
    } catch (error) {
      const appError = toAppError(error);
      if (!appError || wantsJson(req)) throw error;
      await answerWithPage(res, token, appError);
      return;
    }
    if (wantsJson(req)) res.json({ status: 'password_set' });
    else res.type('html').send(page('Password set', '<p>Your password is set. You can now sign in to the learning platform.</p>'));
  });
  router.use('/invite', answerRequestProblemsWithPage);
  return router;
}

/**
 * A request that could not be read (a form in a charset we do not take, a mangled link) is
 * answered, for a browser, as this page with the problem on it; API clients get the JSON error.
 */
async function answerRequestProblemsWithPage(error: unknown, req: Request, res: Response, next: NextFunction): Promise<void> {
  const appError = toAppError(error);
  if (!appError || wantsJson(req)) return next(error);
  // Raw from the path: a link whose token is not plain token characters gets the link problem page.
  const token = /^\/([\w-]+)$/.exec(req.path)?.[1];
  if (!token) {
    res.status(statusOf(appError)).type('html').send(linkProblemPage(appError.message));
    return;
  }
  await answerWithPage(res, token, appError);
}

async function answerWithPage(res: Response, token: string, error: AppError): Promise<void> {
  if (error.kind === 'not_found' || error.kind === 'gone') {
    res.status(statusOf(error)).type('html').send(linkProblemPage(error.message));
    return;
  }
  // Anything else is about what was sent: show the form again with the problem above it.
  const state = await inspectInvitationLink(token);
  res.status(statusOf(error)).type('html').send(passwordForm(token, state.usable ? state.username : '', error.message));
}
