# SPDX-License-Identifier: Apache-2.0
"""Where the example scripts connect: ``script.py HOST PORT [udp]`` (default 127.0.0.1 4370)."""
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 4370
UDP = len(sys.argv) > 3 and sys.argv[3] == "udp"
