import Foundation
import XCTest
@testable import PatrolSMS

/// The webhook: the signed JSON for one message byte for byte, and its receiver's answers by status.
final class WebhookSMSTests: XCTestCase {
    let provider = WebhookSMS(account: Fixture.account(endpoint: URL(string: "https://sms.example.gov.cn/patrol/send")!))

    func testRequestForOneMessage() throws {
        let request = try provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now)
        let body = #"{"event":"notice","id":"6F1D2C3B-0000-4000-8000-000000000001","#
            + #""params":{"count":"3","deadline":"2022-05-17 12:00","notice":"CZ2022-D01-003","unit":"溧阳市"},"#
            + #""phone":"13800000001","template":"notice","#
            + #""text":"【网络安全检查】溧阳市：您单位有3个网络安全问题已通报（CZ2022-D01-003），请于2022-05-17 12:00前完成整改，并登录平台提交整改报告。"}"#
        XCTAssertEqual(request?.method, "POST")
        XCTAssertEqual(request?.url.absoluteString, "https://sms.example.gov.cn/patrol/send")
        XCTAssertEqual(request?.headers.map { "\($0.0): \($0.1)" }, [
            "Content-Type: application/json; charset=utf-8", "X-Patrol-Timestamp: 1716000000",
            "X-Patrol-Signature: sha256=4b121864ba597864de67ff2480a7de3814bb3445dd518d33db1e2328a7bf59d6",
        ])
        XCTAssertEqual(Fixture.text(request), body)
    }

    func testNoEndpointIsRefused() {
        XCTAssertThrowsError(try WebhookSMS(account: Fixture.account()).request(for: Fixture.message, nonce: "n1", now: Fixture.now)) {
            XCTAssertEqual($0 as? SMSAccountError, .noEndpoint)
            XCTAssertEqual("\($0)", "no webhook endpoint")
        }
    }

    func testAnswers() {
        XCTAssertEqual(provider.name, "webhook")
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(#"{"id":"mas-7"}"#)), .sent(messageID: "mas-7"))
        XCTAssertEqual(provider.outcome(status: 204, body: Data()), .sent(messageID: nil))
        XCTAssertEqual(provider.outcome(status: 400, body: Fixture.data("bad phone")), .permanent(code: "HTTP400", message: "bad phone"))
        XCTAssertEqual(provider.outcome(status: 401, body: Fixture.data("bad signature")), .permanent(code: "HTTP401", message: "bad signature"))
        XCTAssertEqual(provider.outcome(status: 429, body: Fixture.data("later")), .retryable(code: "HTTP429", message: "later"))
        XCTAssertEqual(provider.outcome(status: 503, body: Fixture.data("busy")), .retryable(code: "HTTP503", message: "busy"))
        XCTAssertEqual(provider.outcome(status: 500, body: Fixture.data(String(repeating: "x", count: 300))),
                       .retryable(code: "HTTP500", message: String(repeating: "x", count: 200)), "the answer is cut to 200 bytes")
    }
}
