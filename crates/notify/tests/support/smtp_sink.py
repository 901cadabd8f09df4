"""A real SMTP server for the notify tests, built on aiosmtpd.

Listens on 127.0.0.1 on a port the system picks, prints "PORT <number>" once it accepts
connections, and saves every message it accepts into DIRECTORY as NNNN.eml (the bytes received)
with NNNN.json beside it (the envelope: sender and recipients). It stops when its standard input
closes, so a test that dies never leaves it running.

The listening socket is bound before the port is printed and handed to asyncio as it is, so
there is no window in which another process could take the port (aiosmtpd's Controller wants a
port number up front instead).

Options make it misbehave the way real servers do: refuse recipients or the message with a 5xx
or 4xx reply, or require a login (offered without TLS, as a test server on loopback may).
"""

import argparse
import asyncio
import json
import os
import socket
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class SavingHandler:
    def __init__(self, directory, reject_recipients_with, reject_data_with):
        self.directory = directory
        self.reject_recipients_with = reject_recipients_with
        self.reject_data_with = reject_data_with
        self.saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_recipients_with:
            return self.reject_recipients_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reject_data_with:
            return self.reject_data_with
        self.saved += 1
        base = os.path.join(self.directory, f"{self.saved:04d}")
        # Written under a temporary name and renamed, so a test never reads half a message.
        with open(base + ".eml.part", "wb") as message_file:
            message_file.write(envelope.original_content)
        with open(base + ".json.part", "w", encoding="utf-8") as envelope_file:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "authenticated_as": (
                        session.auth_data.decode("utf-8", "replace")
                        if session.authenticated
                        else None
                    ),
                },
                envelope_file,
            )
        os.replace(base + ".json.part", base + ".json")
        os.replace(base + ".eml.part", base + ".eml")
        return "250 OK message saved"


def password_checker(username, password):
    def check(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == username.encode()
            and auth_data.password == password.encode()
        ):
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)

    return check


async def serve(arguments):
    handler = SavingHandler(
        arguments.directory, arguments.reject_recipients_with, arguments.reject_data_with
    )
    options = {"decode_data": False, "enable_SMTPUTF8": True}
    if arguments.username is not None:
        options.update(
            authenticator=password_checker(arguments.username, arguments.password),
            auth_required=True,
            auth_require_tls=False,
        )

    listening_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening_socket.bind(("127.0.0.1", 0))
    listening_socket.listen(16)
    port = listening_socket.getsockname()[1]

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp-sink.test", **options), sock=listening_socket
    )
    print(f"PORT {port}", flush=True)
    # Serve until the test closes our standard input (or dies, which closes it too).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--reject-recipients-with", help='a reply such as "550 5.1.1 no such user"')
    parser.add_argument("--reject-data-with", help='a reply such as "554 5.7.1 refused"')
    parser.add_argument("--username")
    parser.add_argument("--password")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
