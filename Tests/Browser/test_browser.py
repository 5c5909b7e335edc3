"""Browser flows in real headless Chromium (Debian's chromium + chromium-driver).

Needs a running `patrol serve` with the demo campaign at PATROL_BROWSER_URL and two accounts
created by .ci/run: ciadmin (admin) and ciliaison (liaison of D02), passwords in the environment.
Screenshots go to PATROL_SCREENSHOTS (default ./screenshots).
"""
import os

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("PATROL_BROWSER_URL", "http://127.0.0.1:8099")
SHOTS = os.environ.get("PATROL_SCREENSHOTS", "screenshots")
ADMIN_PW = os.environ["PATROL_CI_ADMIN_PASSWORD"]
LIAISON_PW = os.environ["PATROL_CI_LIAISON_PASSWORD"]
TESTER_PW = os.environ["PATROL_CI_TESTER_PASSWORD"]
REVIEWER_PW = os.environ["PATROL_CI_REVIEWER_PASSWORD"]


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def login(driver, username, password):
    driver.get(BASE + "/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    # Wait for the answer (signed in, or the error) before going on.
    driver.find_element(By.CSS_SELECTOR, ".account .who, p.error")


def test_wrong_password_shows_error(browser):
    login(browser, "ciadmin", "not-the-password")
    error = browser.find_element(By.CSS_SELECTOR, "p.error")
    assert "用户名或密码错误" in error.text
    assert browser.current_url.endswith("/login")
    shot(browser, "login-error")


def test_admin_sees_units_and_contacts(browser):
    login(browser, "ciadmin", ADMIN_PW)
    assert "/campaigns" in browser.current_url
    assert "网安2022常州行动" in browser.page_source
    assert "演示" in browser.page_source
    shot(browser, "campaigns")
    browser.get(BASE + "/campaigns/CZ2022")
    shot(browser, "campaign-overview")
    browser.get(BASE + "/campaigns/CZ2022/units")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    assert len(rows) == 50  # a page of the 83
    assert "共 83 条" in browser.find_element(By.CSS_SELECTOR, "nav.pager").text
    shot(browser, "units")
    browser.find_element(By.CSS_SELECTOR, "nav.pager a[rel=next]").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")) == 33
    browser.get(BASE + "/campaigns/CZ2022/units?group=district")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")) == 7
    browser.get(BASE + "/campaigns/CZ2022/units?q=%E5%85%AC%E5%AE%89")  # 公安
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr td:nth-child(2)")]
    assert names == ["公安局"]
    browser.get(BASE + "/campaigns/CZ2022/units/D01")
    assert "溧阳市" in browser.page_source
    assert "138000" in browser.page_source  # liaison phone visible to the admin
    shot(browser, "unit")
    browser.get(BASE + "/campaigns/CZ2022/assets?q=198.51.100")
    shot(browser, "assets")
    browser.get(BASE + "/campaigns/CZ2022/teams")
    assert "T01" in browser.page_source and "T02" in browser.page_source
    shot(browser, "teams")
    browser.get(BASE + "/admin/users")
    shot(browser, "users")
    browser.get(BASE + "/admin/audit")
    assert "登录成功" in browser.page_source  # actions by name, not by key
    shot(browser, "audit")
    for path, name in [("/campaigns/CZ2022/units/D01/assets/new", "asset-form"), ("/admin/users/new", "user-form"),
                       ("/password", "password")]:
        browser.get(BASE + path)
        assert browser.find_element(By.CSS_SELECTOR, "main form")
        shot(browser, name)
    browser.get(BASE + "/lang/en?next=/campaigns/CZ2022/units")
    assert "Ranking group" in browser.page_source
    shot(browser, "units-en")
    browser.get(BASE + "/lang/zh-CN?next=/campaigns")


def test_liaison_sees_only_own_unit(browser):
    login(browser, "ciliaison", LIAISON_PW)
    browser.get(BASE + "/campaigns/CZ2022/units")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    assert len(rows) == 1 and "金坛区" in rows[0].text
    browser.get(BASE + "/campaigns/CZ2022/units/D02")
    assert "金坛区" in browser.page_source
    shot(browser, "liaison-unit")
    browser.get(BASE + "/campaigns/CZ2022/units/D01")
    assert "溧阳市" not in browser.page_source
    assert "未找到" in browser.page_source
    shot(browser, "liaison-other-unit")
    browser.get(BASE + "/admin/users")
    assert "没有执行此操作的权限" in browser.page_source


def as_user(driver, username, password):
    driver.delete_all_cookies()
    login(driver, username, password)


def left_the_page(element):
    """Like EC.staleness_of, but also when Chrome, in the middle of the navigation, answers that
    the node "does not belong to the document" (a WebDriverException staleness_of lets through:
    it failed one CI run of the finding flow)."""
    def check(_driver):
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return check


def submit_form(driver, selector):
    """Submits the form and waits for the next page."""
    old = driver.find_element(By.TAG_NAME, "main")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 10).until(left_the_page(old))


def write_png(path, width=120, height=60):
    """A valid PNG (a red and blue block) as a stand-in for a screenshot of the finding."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + (b"\xb3\x26\x1e" * (width // 2) + b"\x12\x35\x5b" * (width - width // 2)) for _ in range(height))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def test_finding_lifecycle_from_submission_to_closure(browser, tmp_path):
    """tester submits → reviewer verifies → admin issues → liaison remediates → reviewer fails it →
    liaison resubmits → reviewer passes; on CI2026, whose window is open."""
    c = BASE + "/campaigns/CI2026"
    as_user(browser, "citester", TESTER_PW)
    browser.get(c + "/findings")
    browser.find_element(By.LINK_TEXT, "提交问题").click()
    Select(browser.find_element(By.NAME, "unit")).select_by_value("D02")
    Select(browser.find_element(By.NAME, "asset")).select_by_value("D02-W1")
    Select(browser.find_element(By.NAME, "kind")).select_by_value("vulnerability")
    Select(browser.find_element(By.NAME, "severity")).select_by_value("high")
    Select(browser.find_element(By.NAME, "type")).select_by_value("任意文件上传")
    browser.find_element(By.NAME, "title").send_keys("<b>上传接口</b>可上传任意文件")
    browser.find_element(By.NAME, "url").send_keys("https://www.d02.ci.example/upload")
    browser.find_element(By.NAME, "description").send_keys("上传接口未校验文件类型，可获取服务器权限。")
    browser.find_element(By.NAME, "shellPaths").send_keys("/upload/patrol-test.jsp")
    proof = tmp_path / "poc.txt"
    proof.write_text("POST /upload HTTP/1.1\n上传 patrol-test.jsp 成功\n", encoding="utf-8")
    browser.find_element(By.CSS_SELECTOR, "main form input[type=file]").send_keys(str(proof))
    shot(browser, "finding-submit")
    submit_form(browser, "main form button[type=submit]")
    assert "/findings/F0001" in browser.current_url
    assert "&lt;b&gt;上传接口" in browser.page_source  # text fields are escaped
    assert "待审核" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text
    evidence = tmp_path / "截图.png"
    write_png(evidence)
    browser.find_element(By.CSS_SELECTOR, "form.upload input[type=file]").send_keys(str(evidence))
    submit_form(browser, "form.upload button[type=submit]")
    assert "poc.txt" in browser.find_element(By.CSS_SELECTOR, "ul.evidence").text  # sent with the form
    image = browser.find_element(By.CSS_SELECTOR, "ul.evidence img")
    assert browser.execute_script("return arguments[0].naturalWidth", image) == 120  # previewed, served by the authorized route

    as_user(browser, "cireviewer", REVIEWER_PW)
    browser.get(c + "/findings?status=submitted")
    assert "F0001" in browser.page_source
    shot(browser, "review-queue")
    browser.get(c + "/findings/F0001")
    browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=verify]").click()
    shot(browser, "finding-review")
    submit_form(browser, "form[action$='/review'] button[type=submit]")
    assert "已确认" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text

    as_user(browser, "ciadmin", ADMIN_PW)
    browser.get(c + "/notices")
    shot(browser, "notices-admin")
    submit_form(browser, "form.issue button[type=submit]")
    assert "/notices/CI2026-D02-001" in browser.current_url
    assert "网络安全问题通报" in browser.page_source
    assert "/upload/patrol-test.jsp" in browser.page_source
    shot(browser, "notice-print")

    as_user(browser, "ciliaison", LIAISON_PW)
    browser.get(c + "/notices")
    assert "CI2026-D02-001" in browser.page_source
    assert "距 24 小时时限还剩" in browser.page_source
    shot(browser, "notices-liaison")
    browser.get(c + "/findings/F0001")
    assert "检测一队" not in browser.page_source  # units are not told which team tested them
    browser.find_element(By.NAME, "summary").send_keys("已修复上传校验。")
    submit_form(browser, "form[action$='/remediations'] button[type=submit]")
    assert "请确认已删除" in browser.find_element(By.CSS_SELECTOR, "p.error").text  # the shell was not ticked
    browser.find_element(By.NAME, "summary").send_keys("已修复上传校验，删除测试文件。")
    browser.find_element(By.CSS_SELECTOR, "input[name='shell[]']").click()
    shot(browser, "finding-remediation")
    submit_form(browser, "form[action$='/remediations'] button[type=submit]")
    assert "已整改待复测" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text

    as_user(browser, "cireviewer", REVIEWER_PW)
    browser.get(c + "/findings/F0001")
    browser.find_element(By.CSS_SELECTOR, "input[name=result][value=failed]").click()
    browser.find_element(By.NAME, "note").send_keys("上传接口仍可绕过。")
    shot(browser, "finding-retest")
    submit_form(browser, "form[action$='/retests'] button[type=submit]")
    assert "已通报" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text

    as_user(browser, "ciliaison", LIAISON_PW)
    browser.get(c + "/findings/F0001")
    assert "上传接口仍可绕过" in browser.page_source
    browser.find_element(By.NAME, "summary").send_keys("改为白名单校验。")
    browser.find_element(By.CSS_SELECTOR, "input[name='shell[]']").click()
    submit_form(browser, "form[action$='/remediations'] button[type=submit]")

    as_user(browser, "cireviewer", REVIEWER_PW)
    browser.get(c + "/findings/F0001")
    browser.find_element(By.CSS_SELECTOR, "input[name=result][value=passed]").click()
    submit_form(browser, "form[action$='/retests'] button[type=submit]")
    assert "已关闭" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text
    assert len(browser.find_elements(By.CSS_SELECTOR, ".retest-failed")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, ".retest-passed")) == 1
    shot(browser, "finding-closed")

    # The notice and the return each wrote an SMS per liaison phone; the serve worker sends them (log provider).
    as_user(browser, "ciadmin", ADMIN_PW)
    browser.get(BASE + "/admin/sms?q=CI2026-D02-001")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.sms tbody tr")
    assert len(rows) >= 2
    shot(browser, "sms")


def test_scores_ranking_card_publish_and_liaison_card(browser):
    """Runs last: it publishes the demo campaign's scores."""
    login(browser, "ciliaison", LIAISON_PW)
    browser.get(BASE + "/campaigns/CZ2022/scores/D02")
    assert "没有执行此操作的权限" in browser.page_source  # refused before publication
    browser.delete_all_cookies()

    login(browser, "ciadmin", ADMIN_PW)
    browser.get(BASE + "/campaigns/CZ2022/scores")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.scores tbody tr")
    assert len(rows) == 83
    assert rows[0].find_element(By.CSS_SELECTOR, "td.rank").text == "1"
    shot(browser, "scores")
    browser.find_element(By.LINK_TEXT, "辖市区").click()
    browser.find_element(By.CSS_SELECTOR, "nav.tabs a.active[href$='group=district']")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.scores tbody tr")) == 7
    browser.get(BASE + "/campaigns/CZ2022/scores/G03")
    assert "55 × (1 − (240/2) ÷ (240/2)) = 0 → 0.00" in browser.page_source
    shot(browser, "score-card")
    browser.find_element(By.CSS_SELECTOR, "table.lines a").click()
    browser.find_element(By.CSS_SELECTOR, "dl.facts")
    assert "/findings/" in browser.current_url
    shot(browser, "finding")
    browser.get(BASE + "/campaigns/CZ2022/scoring-policy")
    assert browser.find_element(By.NAME, "vulnerabilityMax").get_attribute("value") == "55"
    shot(browser, "scoring-policy")
    browser.get(BASE + "/campaigns/CZ2022/scores")
    # The demo campaign ends with remediation reports awaiting retest: publishing over them needs a reason.
    assert "发布成绩须填写原因" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "form.publish textarea[name=reason]").send_keys("演示：待复测报告按组织方决定计分")
    shot(browser, "scores-publish-reason")
    browser.find_element(By.CSS_SELECTOR, "form.publish button[type=submit]").click()
    assert browser.find_element(By.CSS_SELECTOR, "p.meta .state-published").text == "已发布"
    assert not browser.find_elements(By.CSS_SELECTOR, "form.publish")
    browser.delete_all_cookies()

    login(browser, "ciliaison", LIAISON_PW)
    browser.get(BASE + "/campaigns/CZ2022")
    browser.find_element(By.LINK_TEXT, "本单位成绩").click()
    browser.find_element(By.CSS_SELECTOR, ".totalnum")
    assert browser.current_url.endswith("/campaigns/CZ2022/scores/D02")
    assert "金坛区" in browser.page_source
    assert "总分" in browser.page_source
    shot(browser, "score-card-liaison")
    browser.get(BASE + "/campaigns/CZ2022/scores/D01")
    assert "溧阳市" not in browser.page_source


GATEWAY = os.environ.get("PATROL_BROWSER_GATEWAY", "127.0.0.1:8898")


def through_gateway(url, username, token, data=None):
    """A request through the supervision gateway as a tester's tool would send it."""
    import urllib.error
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://{username}:{token}@{GATEWAY}"}))
    try:
        with opener.open(url, data=data, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_for_text(driver, url, text, seconds=5):
    """Reloads until the page shows `text` (records reach the database within a second)."""
    import time
    deadline = time.time() + seconds
    while True:
        driver.get(url)
        if text in driver.page_source or time.time() > deadline:
            return text in driver.page_source
        time.sleep(0.3)


def test_gateway_token_traffic_alerts_suspend_and_replay(browser):
    """tester makes a token and tests through the gateway → admin sees it and the alerts at once →
    admin suspends the team and the gateway refuses it → reviewer replays a request for a retest."""
    c = BASE + "/campaigns/CI2026"
    as_user(browser, "citester", TESTER_PW)
    browser.get(c + "/gateway")
    submit_form(browser, "form[action$='/gateway/token'] button")
    token = browser.find_element(By.ID, "token").text
    assert token.startswith("pgt_")
    assert f"--proxy-cred=citester:{token}" in browser.page_source
    shot(browser, "gateway-tester")

    status, body = through_gateway(BASE + "/healthz", "citester", token)
    assert status == 200, body
    status, _ = through_gateway(BASE + "/login", "citester", token, data=b"username=x&password=1';DROP TABLE users;--")
    assert status < 500
    status, body = through_gateway("http://10.1.2.3/", "citester", token)
    assert status == 403 and ("scope" in body or "no asset names" in body), body
    status, _ = through_gateway(BASE + "/healthz", "citester", "pgt_wrong")
    assert status == 407

    as_user(browser, "ciadmin", ADMIN_PW)
    assert wait_for_text(browser, c + "/gateway", "破坏性 SQL")
    assert "越界访问" in browser.page_source
    shot(browser, "gateway-admin")
    browser.get(c + "/gateway/records?decision=denied")
    assert "10.1.2.3" in browser.page_source
    shot(browser, "gateway-records")
    browser.get(c + "/gateway/records?alert=destructiveSQL")
    browser.find_element(By.CSS_SELECTOR, "table.records td.url a").click()
    assert "DROP TABLE users" in browser.page_source
    shot(browser, "gateway-record")

    browser.get(c + "/gateway")
    submit_form(browser, "form[action$='/gateway/teams/T01'] button[value=suspend]")
    assert "已暂停该检测队" in browser.page_source
    status, body = through_gateway(BASE + "/healthz", "citester", token)
    assert status == 403 and "suspended" in body, body
    submit_form(browser, "form[action$='/gateway/teams/T01'] button[value=resume]")
    status, _ = through_gateway(BASE + "/healthz", "citester", token)
    assert status == 200

    as_user(browser, "cireviewer", REVIEWER_PW)
    browser.get(c + "/gateway/records?q=healthz&status=200")
    browser.find_element(By.CSS_SELECTOR, "table.records td.url a").click()
    submit_form(browser, "form[action$='/replay'] button")
    assert browser.find_element(By.CSS_SELECTOR, ".compare")
    assert "replay" in browser.page_source
    shot(browser, "gateway-replay")
