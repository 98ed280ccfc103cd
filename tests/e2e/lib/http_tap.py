#!/usr/bin/env python3
"""http_tap.py — a loopback TCP forwarder that logs each HTTP request it
carries, for the board's e2e tests and benchmarks (issue 11): the tests
freeze it (SIGSTOP) or kill it to take the API away from the board alone,
while the CLI still reaches the simulator directly.

usage: http_tap.py LISTEN_PORT TARGET_PORT LOG_FILE
Prints 'listening on PORT' when ready (LISTEN_PORT 0 = any free port).
Each log line: <epoch seconds> <METHOD> <path> for a request, and
<epoch seconds> BYTES <n> for response bytes sent back to the client,
<epoch seconds> STATUS <code> for each response's status line.
Binds 127.0.0.1 only; stops on SIGTERM."""
import asyncio
import re
import sys
import time

REQ = re.compile(rb"(?:^|\r\n)(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.[01]\r\n")
STATUS = re.compile(rb"(?:^|\r\n)HTTP/1\.[01] (\d{3}) ")


async def pipe(reader, writer, log, is_request):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            now = time.time()
            if is_request:
                for m in REQ.finditer(data):
                    log.write("%.3f %s %s\n" % (now, m.group(1).decode(), m.group(2).decode()))
            else:
                log.write("%.3f BYTES %d\n" % (now, len(data)))
                for m in STATUS.finditer(data):
                    log.write("%.3f STATUS %s\n" % (now, m.group(1).decode()))
            log.flush()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    listen, target, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    log = open(path, "a")

    async def handle(cr, cw):
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pipe(cr, sw, log, True), pipe(sr, cw, log, False))

    server = await asyncio.start_server(handle, "127.0.0.1", listen, reuse_address=True)
    print("listening on %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
