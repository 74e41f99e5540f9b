"""Helpers the tests share, imported as `from tests.support.<module> import ...` (never from a
conftest; the conftest files hold fixtures only):

- `paths`: the checkout's folders and the installed console script.
- `canaries`: the planted credential values every leak check searches for.
- `accounts`: valid account fields and credentials, a minimal PNG.
- `age`: age identities made in the run, the sops environment, `.sops.yaml` rules.
- `cli`: running gwctl in-process (`invoke`) or as a process (`run_gwctl`), and its `Outcome`.
- `repos`: `ConfigRepo`, the one builder of config repositories, and the example's secrets.
- `servers`: real store servers on 127.0.0.1 (`start_server`, `free_port`) and `LiveStore`.
- `databases`: a fresh database per test on SQLite, PostgreSQL and MariaDB.
- `store_api`: API clients of one store, in-process or through a real server.
- `samples`: request bodies of the store API and images.
- `plan_inputs`: accounts, credentials and desired state for the pure diff.
- `web`: the web page's app served in a thread behind a canary scanner, Chromium's settings.
- `people`: the users the web tests sign in as (an admin and a read user), made per store.
- `web_client`: the CSRF field of a page, signing in a TestClient.
- `connection_tests`: the store app pointed at the providers' stand-ins, a gateway per provider.
- `lsp`: a small Language Server Protocol client.
- `faults`: a fault-injecting proxy; `fake_gh.py`: a fake `gh` (a script); `ci`: CI steps run.
- `distribution`: the built sdist and wheel, installed into a fresh virtualenv.
- `markdown`: Markdown rendered by markdown-it-py (CommonMark), read back as tags, rows, text.
"""
