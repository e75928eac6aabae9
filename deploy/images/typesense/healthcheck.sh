#!/bin/bash
# GET /health over bash's /dev/tcp (the image has no HTTP client): healthy when {"ok":true}.
exec 3<>/dev/tcp/127.0.0.1/8108 || exit 1
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
timeout 2 cat <&3 | grep -q '"ok":true'
