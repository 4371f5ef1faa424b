"""报事报修 pages: filing (also from a public QR-code page), the station queue, a request's timeline and actions."""
