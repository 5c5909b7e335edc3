"""Issue 19, item 7: a 网信办 admin sets up and starts a campaign from scratch in Chromium, with
nothing but the README and the office's own Excel lists — create the campaign, import the units
(附件1 as it is) and the assets from .xlsx, add a team with two testers, approve the assets, start
it — and one of the new testers then tests through the gateway, in scope and only in scope.

Runs against the same server as test_browser.py (.ci/run: demo database, ciadmin). The campaign
and team codes are new on every run, so the flow can run again on the same database. Screenshots
(names starting "setup-") go to PATROL_SCREENSHOTS, at 1440 px and, for the pages an organiser is
likely to open on a phone, also at 390 px.
"""
import datetime
import http.server
import os
import threading
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_browser import ADMIN_PW, BASE, as_user, login, shot, submit_form, through_gateway, wait_for_text

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS_XLSX = os.path.join(HERE, "..", "PatrolSheetTests", "Fixtures", "units-changzhou-2022.xlsx")
ASSETS_XLSX = os.path.join(HERE, "fixtures", "assets-setup.xlsx")
# The loopback web server this test starts as the units' website. 18555 is clear of everything
# .ci/run starts (8099, 8898, PostgreSQL on 55432) and of the gateway tests' own servers; the
# assets fixture names it (fixtures/make_assets.py), so change both together. ORIGIN_PORT + 1 is
# left closed: it is the address that is not an asset.
ORIGIN_PORT = 18555
ORIGIN_MARK = "溧阳市门户网站（浏览器测试源站）SETUP-ORIGIN-OK"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
UNITS_IN_LIST = 83  # 附件1: 83 units, coded D/G/M/N/E as the 2022 list was


@pytest.fixture
def origin():
    """The unit's website: a small page on loopback, the one address the new testers may reach."""
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"<!doctype html><meta charset=utf-8><title>溧阳市</title><h1>{ORIGIN_MARK}</h1>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", ORIGIN_PORT), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{ORIGIN_PORT}/"
    server.shutdown()
    server.server_close()


def phone_shot(driver, name, rows=None):
    """The page as it is now, on a 390 px phone (Chrome's mobile emulation, the same session and
    page: the members' passwords are shown once, and a preview is the answer to an upload); with
    `rows`, a second picture scrolled to that table."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.3)  # let the layout settle at the new width
        shot(driver, name + "-mobile")
        if rows:
            driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.CSS_SELECTOR, rows))
            time.sleep(0.2)
            shot(driver, name + "-mobile-rows")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_script("window.scrollTo(0, 0)")


def local(moment):
    """A datetime-local value: typed keys depend on the browser's locale, a value does not."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def set_value(driver, name, value):
    element = driver.find_element(By.NAME, name)
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))", element, value)


def fill(driver, values):
    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def card_counts(driver):
    """The preview's counts, {action: n}, from its cards (`card import-<action>`)."""
    counts = {}
    for card in driver.find_elements(By.CSS_SELECTOR, ".cards .card"):
        action = next(c[len("import-"):] for c in card.get_attribute("class").split() if c.startswith("import-"))
        counts[action] = int(card.find_element(By.CSS_SELECTOR, ".big").text)
    return counts


def create_campaign(driver, code):
    login(driver, "ciadmin", ADMIN_PW)
    assert driver.current_url.endswith("/campaigns")
    driver.find_element(By.LINK_TEXT, "新建检查行动").click()
    assert driver.current_url == BASE + "/campaigns/new"
    now = datetime.datetime.now(SHANGHAI)
    fill(driver, {"code": code, "name": f"“网安2026”常州行动（浏览器建立 {code}）",
                  "officeName": "中共常州市委网络安全和信息化委员会办公室", "contactName": "王明",
                  "contactPhone": "0519-85681234", "noticeHeader": "常州市网络安全检查通报", "noticePrefix": "常网办通"})
    Select(driver.find_element(By.NAME, "timeZone")).select_by_value("Asia/Shanghai")
    set_value(driver, "startsAt", local(now - datetime.timedelta(days=1)))
    set_value(driver, "endsAt", local(now + datetime.timedelta(days=5)))
    driver.execute_script("window.scrollTo(0, 0)")
    shot(driver, "setup-01-campaign-form")
    submit_form(driver, "main form button[type=submit]")
    assert driver.current_url == f"{BASE}/campaigns/{code}", driver.find_element(By.TAG_NAME, "main").text
    assert code in driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "筹备中" in driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "中共常州市委网络安全和信息化委员会办公室" in driver.page_source
    shot(driver, "setup-02-campaign-overview")


def import_units(driver, c):
    driver.get(c)
    driver.find_element(By.CSS_SELECTOR, "a.card[href$='/units']").click()
    assert "/units" in driver.current_url
    assert not driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    driver.find_element(By.LINK_TEXT, "导入名单").click()
    assert driver.current_url == c + "/import"
    Select(driver.find_element(By.NAME, "list")).select_by_value("units")
    driver.find_element(By.NAME, "file").send_keys(os.path.abspath(UNITS_XLSX))
    shot(driver, "setup-03-import-form")
    submit_form(driver, "main form[enctype='multipart/form-data'] button[type=submit]")
    assert "导入预览" in driver.find_element(By.TAG_NAME, "h1").text, driver.find_element(By.TAG_NAME, "main").text
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.problem")
    counts = card_counts(driver)
    # On the CI database CZ2022 already holds these units: they join this campaign rather than
    # being created again; on an empty one they would be new. Either way all 83 are in the plan.
    assert sum(n for action, n in counts.items() if action != "unchanged") == UNITS_IN_LIST, counts
    rows = driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr:not(.problem)")
    assert len(rows) == UNITS_IN_LIST
    assert "溧阳市" in driver.page_source and "金坛区" in driver.page_source
    shot(driver, "setup-04-import-units-preview")
    phone_shot(driver, "setup-04-import-units-preview", rows="table.grid tbody tr:not(.problem)")
    submit_form(driver, "form[action$='/import/confirm'] button[type=submit]")
    assert "导入完成" in driver.find_element(By.TAG_NAME, "h1").text, driver.find_element(By.TAG_NAME, "main").text
    summary = driver.find_element(By.CSS_SELECTOR, "p.ok").text
    shot(driver, "setup-05-import-units-done")
    driver.find_element(By.LINK_TEXT, "查看被检测单位").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")) == min(UNITS_IN_LIST, 50), summary  # a page
    assert f"{UNITS_IN_LIST}" in driver.find_element(By.TAG_NAME, "h1").text
    shot(driver, "setup-06-units")


def import_assets(driver, c, origin):
    driver.get(c + "/import")
    Select(driver.find_element(By.NAME, "list")).select_by_value("assets")
    driver.find_element(By.NAME, "file").send_keys(os.path.abspath(ASSETS_XLSX))
    box = driver.find_element(By.CSS_SELECTOR, "input[name=pendingReview][value='1']")
    if not box.is_selected():
        box.click()
    shot(driver, "setup-07-import-assets-form")
    submit_form(driver, "main form[enctype='multipart/form-data'] button[type=submit]")
    assert "导入预览" in driver.find_element(By.TAG_NAME, "h1").text, driver.find_element(By.TAG_NAME, "main").text
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.problem"), driver.find_element(By.TAG_NAME, "main").text
    counts = card_counts(driver)
    assert counts.get("create") == 3, counts
    assert origin in driver.page_source
    assert "jintan-setup.example" in driver.page_source
    shot(driver, "setup-08-import-assets-preview")
    phone_shot(driver, "setup-08-import-assets-preview", rows="table.grid tbody tr:not(.problem)")
    submit_form(driver, "form[action$='/import/confirm'] button[type=submit]")
    assert "导入完成" in driver.find_element(By.TAG_NAME, "h1").text, driver.find_element(By.TAG_NAME, "main").text
    shot(driver, "setup-09-import-assets-done")


def add_team(driver, c, team):
    driver.get(c + "/teams")
    driver.find_element(By.CSS_SELECTOR, "a.button[href$='/teams/new']").click()
    assert driver.current_url == c + "/teams/new"
    fill(driver, {"code": team, "name": "检测三队（浏览器）", "company": "江苏某网络安全技术有限公司",
                  "contactName": "赵强", "contactPhone": "13800000099"})
    shot(driver, "setup-10-team-form")
    submit_form(driver, "main form button[type=submit]")
    assert team in driver.find_element(By.TAG_NAME, "h1").text, driver.find_element(By.TAG_NAME, "main").text
    assert "江苏某网络安全技术有限公司" in driver.page_source
    driver.get(c + "/teams")
    assert team in driver.find_element(By.CSS_SELECTOR, "table.grid tbody").text
    driver.find_element(By.LINK_TEXT, team).click()


def add_members(driver, team, lines):
    """On the team page: members pasted one a line, as from a spreadsheet; answers the result
    sheet's (username, initial password) pairs, shown this once."""
    driver.find_element(By.NAME, "lines").send_keys(lines)
    shot(driver, "setup-11-team")
    submit_form(driver, "form[action$='/members'] button[type=submit]")
    rows = driver.find_elements(By.CSS_SELECTOR, ".member-sheet table tbody tr")
    names = [line.split("，")[0] for line in lines.split("\n")]
    assert [r.find_element(By.CSS_SELECTOR, "td:nth-child(1)").text for r in rows] == names, driver.find_element(By.TAG_NAME, "main").text
    members = [(r.find_element(By.CSS_SELECTOR, "td.code").text, r.find_element(By.CSS_SELECTOR, "code.secret").text) for r in rows]
    for username, password in members:
        assert username.startswith(team.lower() + "-") and len(password) >= 10, members
    shot(driver, "setup-12-team-members")
    phone_shot(driver, "setup-12-team-members")
    return members


def approve_assets(driver, c):
    driver.get(c + "/assets?review=pending")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    assert len(rows) == 3 and all("待审核" in r.text for r in rows), [r.text for r in rows]
    assert all(b.is_selected() for b in driver.find_elements(By.CSS_SELECTOR, "input[name='assets[]']"))
    shot(driver, "setup-13-asset-review")
    submit_form(driver, "form#review-many button[name=decision][value=approve]")
    driver.get(c + "/assets?review=pending")
    assert not driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    driver.get(c + "/assets")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    assert len(rows) == 3 and all("已确认" in r.text for r in rows), [r.text for r in rows]
    shot(driver, "setup-14-assets-approved")


def start_campaign(driver, c):
    driver.get(c)
    driver.find_element(By.CSS_SELECTOR, "a.button[href$='/state?to=running']").click()
    items = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ul.checks li")]
    # 溧阳市 and 金坛区 have assets now; the other 81 units of the list have none yet.
    assert any(f"有 {UNITS_IN_LIST - 2} 个单位没有已确认的资产" in text for text in items), items
    assert not driver.find_elements(By.CSS_SELECTOR, "ul.checks li.check-blocking"), items
    assert "暂不能转换状态" not in driver.page_source
    shot(driver, "setup-15-start-checks")
    phone_shot(driver, "setup-15-start-checks")
    submit_form(driver, "main form button[type=submit]")
    assert driver.current_url == c
    assert "检测中" in driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    shot(driver, "setup-16-campaign-running")


def gateway_as_new_tester(driver, c, username, initial, origin):
    as_user(driver, username, initial)
    # An initial password must be replaced before anything else.
    assert driver.current_url.startswith(BASE + "/password"), driver.current_url
    assert "初始密码" in driver.page_source
    shot(driver, "setup-17-tester-password")
    chosen = f"Zhang-San-{int(time.time())}!"  # not containing the username (the app refuses that)
    fill(driver, {"current": initial, "new": chosen, "confirm": chosen})
    submit_form(driver, "form[action='/password'] button[type=submit]")
    assert not driver.find_elements(By.CSS_SELECTOR, "main p.error"), driver.find_element(By.TAG_NAME, "main").text
    driver.get(c + "/gateway")
    assert "/gateway" in driver.current_url, driver.current_url
    submit_form(driver, "form[action$='/gateway/token'] button")
    token = driver.find_element(By.ID, "token").text
    assert token.startswith("pgt_")
    shot(driver, "setup-18-tester-gateway")

    status, body = through_gateway(origin, username, token)
    assert status == 200 and ORIGIN_MARK in body, (status, body)
    status, body = through_gateway(f"http://127.0.0.1:{ORIGIN_PORT + 1}/", username, token)
    assert status == 403, (status, body)
    status, body = through_gateway("http://198.51.100.23/", username, token)
    assert status == 403, (status, body)

    as_user(driver, "ciadmin", ADMIN_PW)
    assert wait_for_text(driver, c + "/gateway/records?decision=allowed", f"127.0.0.1:{ORIGIN_PORT}")
    assert username in driver.page_source
    shot(driver, "setup-19-gateway-records")
    driver.get(c + "/gateway/records?decision=denied")
    assert f"127.0.0.1:{ORIGIN_PORT + 1}" in driver.page_source
    shot(driver, "setup-20-gateway-denied")


def test_admin_sets_up_and_starts_a_campaign_from_the_excel_lists(browser, origin):
    suffix = datetime.datetime.now(SHANGHAI).strftime("%m%d%H%M%S")
    code, team = "SETUP" + suffix, "S" + suffix
    c = f"{BASE}/campaigns/{code}"
    create_campaign(browser, code)
    import_units(browser, c)
    import_assets(browser, c, origin)
    add_team(browser, c, team)
    members = add_members(browser, team, "张三，13800000101\n李四，13800000102")
    assert len({u for u, _ in members}) == 2 and len({p for _, p in members}) == 2, members
    approve_assets(browser, c)
    start_campaign(browser, c)
    username, initial = members[0]
    gateway_as_new_tester(browser, c, username, initial, origin)
