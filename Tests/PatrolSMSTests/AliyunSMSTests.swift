import Foundation
import XCTest
@testable import PatrolSMS

/// Alibaba Cloud SendSms: the request for one message byte for byte, and the service's documented answers.
final class AliyunSMSTests: XCTestCase {
    let provider = AliyunSMS(account: Fixture.account(templates: ["notice": "SMS_NOTICE"], region: "cn-hangzhou"))

    func testRequestForOneMessage() throws {
        let request = try provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now)
        let body = "AccessKeyId=testid&Action=SendSms&Format=JSON&OutId=6F1D2C3B-0000-4000-8000-000000000001"
            + "&PhoneNumbers=13800000001&RegionId=cn-hangzhou&SignName=%E7%BD%91%E4%BF%A1%E5%8A%9E"
            + "&Signature=XrYUb6YMBLoPNij2QGH4XVeVL1E%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=n1&SignatureVersion=1.0"
            + "&TemplateCode=SMS_NOTICE&TemplateParam=%7B%22count%22%3A%223%22%2C%22deadline%22%3A%222022-05-17%2012%3A00%22"
            + "%2C%22notice%22%3A%22CZ2022-D01-003%22%2C%22unit%22%3A%22%E6%BA%A7%E9%98%B3%E5%B8%82%22%7D"
            + "&Timestamp=2024-05-18T02%3A40%3A00Z&Version=2017-05-25"
        XCTAssertEqual(request?.method, "POST")
        XCTAssertEqual(request?.url.absoluteString, "https://dysmsapi.aliyuncs.com/")
        XCTAssertEqual(request?.headers.map { "\($0.0): \($0.1)" }, ["Content-Type: application/x-www-form-urlencoded; charset=utf-8"])
        XCTAssertEqual(Fixture.text(request), body)
        XCTAssertEqual(request, SMSHTTPRequest(method: "POST", url: URL(string: "https://dysmsapi.aliyuncs.com/")!,
                                               headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                                               body: Fixture.data(body)))
    }

    func testEndpointFromTheAccount() throws {
        let provider = AliyunSMS(account: Fixture.account(templates: ["notice": "SMS_NOTICE"], endpoint: URL(string: "http://127.0.0.1:9911/")!))
        XCTAssertEqual(try provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now)?.url.absoluteString, "http://127.0.0.1:9911/")
    }

    func testMessageWithoutTemplateIsRefused() {
        var reminder = Fixture.message
        reminder.template = "reminder"
        XCTAssertThrowsError(try provider.request(for: reminder, nonce: "n1", now: Fixture.now)) {
            XCTAssertEqual($0 as? SMSAccountError, .noTemplate(provider: "Alibaba", template: "reminder"))
            XCTAssertEqual("\($0)", "no Alibaba template for reminder")
        }
    }

    func testAnswers() {
        XCTAssertEqual(provider.name, "aliyun")
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}"#)),
            .sent(messageID: "900619746936498440^0"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Message":"触发号码天级流控Permits:10","RequestId":"r2","Code":"isv.BUSINESS_LIMIT_CONTROL"}"#)),
            .retryable(code: "isv.BUSINESS_LIMIT_CONTROL", message: "触发号码天级流控Permits:10"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(#"{"Message":"非法手机号","RequestId":"r3","Code":"isv.MOBILE_NUMBER_ILLEGAL"}"#)),
                       .permanent(code: "isv.MOBILE_NUMBER_ILLEGAL", message: "非法手机号"))
        XCTAssertEqual(provider.outcome(status: 400, body: Fixture.data(#"{"Code":"SignatureDoesNotMatch","Message":"bad"}"#)),
                       .permanent(code: "SignatureDoesNotMatch", message: "bad"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(#"{"Code":"isp.SYSTEM_ERROR","Message":"系统错误"}"#)),
                       .retryable(code: "isp.SYSTEM_ERROR", message: "系统错误"))
        XCTAssertEqual(provider.outcome(status: 400, body: Fixture.data(#"{"Code":"Throttling.Frequency","Message":"slow"}"#)),
                       .retryable(code: "Throttling.Frequency", message: "slow"), "every Throttling code")
        XCTAssertEqual(provider.outcome(status: 503, body: Fixture.data("Service Unavailable")),
                       .retryable(code: "HTTP503", message: "Service Unavailable"))
        XCTAssertEqual(provider.outcome(status: 429, body: Fixture.data("")), .retryable(code: "HTTP429", message: ""))
        XCTAssertEqual(provider.outcome(status: 403, body: Fixture.data("Forbidden")), .permanent(code: "HTTP403", message: "Forbidden"))
        XCTAssertEqual(provider.outcome(status: 500, body: Fixture.data(#"{"Code":"OK"}"#)), .retryable(code: "OK", message: #"{"Code":"OK"}"#),
                       "OK with a failing status is not delivery")
    }
}
