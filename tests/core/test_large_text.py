"""适老化: the large-text mode sticks across logins on a phone, and no stylesheet or template shrinks text."""
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2] / "pm"


def _html_class(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def test_large_text_sticks_across_logins(client, auth, world):
    """"大字" is one tap in the header (no JS: a form POST), the page gets the large class, and logging out
    and in again keeps it; "标准字" turns it off."""
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'id="text-size"' in html and "大字" in html and "large-text" not in _html_class(html)
    resp = client.post("/auth/text-size", data={"size": "large", "next": "/auth/login"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/login")
    cookie = resp.headers.get("Set-Cookie")
    assert "pm_text=large" in cookie and "Max-Age" in cookie
    assert "large-text" in _html_class(client.get("/auth/login").get_data(as_text=True))
    assert auth.login("owner").status_code == 302
    html = client.get("/dashboard").get_data(as_text=True)
    assert "large-text" in _html_class(html) and "标准字" in html
    auth.logout()
    assert auth.login("resident").status_code == 302
    assert "large-text" in _html_class(client.get("/dashboard").get_data(as_text=True))
    client.post("/auth/text-size", data={"size": "normal", "next": "/"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert "large-text" not in _html_class(html) and "大字" in html


def test_text_size_refuses_other_values_and_foreign_targets(client, world):
    assert client.post("/auth/text-size", data={"size": "huge"}).status_code == 400
    resp = client.post("/auth/text-size", data={"size": "large", "next": "https://evil.example/"})
    assert resp.status_code == 302 and "evil.example" not in resp.headers["Location"]


def _px(value: str, unit: str, base: float) -> float:
    number = float(value)
    return {"px": number, "pt": number * 4 / 3, "rem": number * base, "em": number * base}[unit]


def test_no_tiny_text_in_screen_styles():
    """No screen stylesheet or inline style sets text under 12px (base 18px), and large mode keeps every
    shrinking class at ≥ 18px: the root is ≥ 18px everywhere and ≥ 20px in large mode (适老化规范)."""
    font_size = re.compile(r"font-size:\s*([\d.]+)(px|pt|rem|em)")
    tiny = []
    files = list((ROOT / "static" / "css").glob("*.css")) + list((ROOT / "templates").rglob("*.html"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"@media print\s*{(?:[^{}]*{[^{}]*})*[^{}]*}", "", text)  # paper, not screens
        text = re.sub(r"\.pm-chart[^{]*{[^}]*}", "", text)  # SVG text in viewBox units, scaled with the chart
        for match in font_size.finditer(text):
            if _px(match.group(1), match.group(2), 18) < 12:
                tiny.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not tiny, tiny
    css = (ROOT / "static" / "css" / "pm.css").read_text(encoding="utf-8")
    roots = [float(v) for v in re.findall(r"html\s*{\s*font-size:\s*([\d.]+)px", css)]
    assert roots and min(roots) >= 18
    large = [float(v) for v in re.findall(r"html\.large-text\s*{\s*font-size:\s*([\d.]+)px", css)]
    assert large and min(large) >= 20
    # every bootstrap class that shrinks text is brought back to the root size in large mode
    for cls in (".small", ".form-text", ".badge", ".btn-sm", "small"):
        assert re.search(r"html\.large-text " + re.escape(cls) + r"[,\s{]", css), cls
    assert re.search(r"html\.large-text \.btn,.*min-height:\s*48px", css, re.S)


def test_large_text_page_has_no_hover_only_menus(client, auth, world):
    """Menus open on tap (Bootstrap's click dropdowns), never on hover."""
    assert auth.login("county").status_code == 302
    client.post("/auth/text-size", data={"size": "large", "next": "/"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert "large-text" in _html_class(html)
    for path in (ROOT / "static" / "css").glob("*.css"):
        css = path.read_text(encoding="utf-8")
        # hover may highlight (with the same on :focus), never reveal a menu or a step
        assert not re.search(r":hover[^{]*{[^}]*(display|visibility|opacity)", css), path
        for rule in re.findall(r"[^{}]*:hover[^{]*{", css):
            assert ":focus" in rule, rule
    assert 'data-bs-toggle="dropdown"' in html and "data-bs-trigger=\"hover\"" not in html
