"""The app starts and the login page renders in Chinese."""


def test_login_page_is_chinese(client):
    """The login page is served in Chinese by default."""
    resp = client.get("/auth/login")
    assert resp.status_code == 200
    assert "登录" in resp.get_data(as_text=True)
