"""Creates a blob container in Azurite with a SharedKey-signed request (stdlib only).

usage: azurite-create-container.py PORT ACCOUNT BASE64_KEY CONTAINER
Run by `cargo xtask emulators up azure`; 201 (created) and 409 (exists) both succeed.
"""
import base64
import email.utils
import hashlib
import hmac
import sys
import urllib.error
import urllib.request

port, account, key, container = sys.argv[1:]
date = email.utils.formatdate(usegmt=True)
version = "2021-08-06"
# VERB, then 11 empty standard headers (Content-Length is empty for a zero-length body).
string_to_sign = (
    "PUT\n" + "\n" * 11
    + f"x-ms-date:{date}\nx-ms-version:{version}\n"
    + f"/{account}/{account}/{container}\nrestype:container"
)
signature = base64.b64encode(
    hmac.new(base64.b64decode(key), string_to_sign.encode(), hashlib.sha256).digest()
).decode()
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/{account}/{container}?restype=container",
    method="PUT",
    data=None,  # with a body, urllib adds a Content-Type header that is not signed
    headers={
        "x-ms-date": date,
        "x-ms-version": version,
        "Authorization": f"SharedKey {account}:{signature}",
        "Content-Length": "0",
    },
)
try:
    with urllib.request.urlopen(request) as response:
        status = response.status
except urllib.error.HTTPError as error:
    status = error.code
    if status != 409:
        sys.exit(f"create container {container}: HTTP {status}: {error.read()[:400]!r}")
print(status)
