/**
 * The sign-in page: a bearer token (a static token of server.auth or a JWT)
 * typed once and kept in an HttpOnly cookie; with mutual TLS the client
 * certificate signs in by itself.
 */
import { html } from "../html.js";
import type { Html } from "./layout.js";

export function signInPage(project: string, next: string, error: string | undefined, mtls: boolean): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · fstore ${project}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
</head>
<body>
<main id="main" class="sign-in">
<h1>Sign in to fstore <span class="project">${project}</span></h1>
<p>This console shows what your identity may describe, as the gRPC API does.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="next" value="${next}">
<label for="token">Bearer token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
${mtls ? html`<p class="muted">A client certificate signed by the server's client CA signs in without a token.</p>` : ""}
</main>
</body>
</html>
`;
}
