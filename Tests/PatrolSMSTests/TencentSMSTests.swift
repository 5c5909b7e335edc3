import Foundation
import XCTest
@testable import PatrolSMS

/// Tencent Cloud SendSms: the request for one message byte for byte, the parameters by position,
/// and the service's documented answers.
final class TencentSMSTests: XCTestCase {
    let provider = TencentSMS(account: Fixture.account(templates: ["notice": "100001", "reminder": "100002", "returned": "100003", "other": "100009"],
                                                       region: "ap-guangzhou"))

    func testRequestForOneMessage() throws {
        let request = try provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now)
        let body = #"{"PhoneNumberSet":["+8613800000001"],"SignName":"网信办","SmsSdkAppId":"1400000000","TemplateId":"100001","#
            + #""TemplateParamSet":["溧阳市","CZ2022-D01-003","3","2022-05-17 12:00"]}"#
        let headers = [
            "Authorization: TC3-HMAC-SHA256 Credential=testid/2024-05-18/sms/tc3_request, SignedHeaders=content-type;host, "
                + "Signature=efadd97f36912d7b887a7b80eeb0f238aa63c6c06acffad7e438c2d375ee075e",
            "Content-Type: application/json; charset=utf-8", "Host: sms.tencentcloudapi.com", "X-TC-Action: SendSms",
            "X-TC-Version: 2021-01-11", "X-TC-Timestamp: 1716000000", "X-TC-Region: ap-guangzhou",
        ]
        XCTAssertEqual(request?.method, "POST")
        XCTAssertEqual(request?.url.absoluteString, "https://sms.tencentcloudapi.com/")
        XCTAssertEqual(request?.headers.map { "\($0.0): \($0.1)" }, headers)
        XCTAssertEqual(Fixture.text(request), body)
    }

    func testHostOfAnotherEndpointIsSigned() throws {
        let provider = TencentSMS(account: Fixture.account(templates: ["notice": "100001"], region: "ap-guangzhou",
                                                           endpoint: URL(string: "http://127.0.0.1:9911/")!))
        let request = try XCTUnwrap(try provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now))
        let headers = Dictionary(uniqueKeysWithValues: request.headers)
        XCTAssertEqual(request.url.absoluteString, "http://127.0.0.1:9911/")
        XCTAssertEqual(headers["Host"], "127.0.0.1:9911")
        let signed = TencentSigner.sign(secretID: "testid", secretKey: "testsecret", service: "sms", host: "127.0.0.1:9911",
                                        body: request.body, timestamp: 1_716_000_000)
        XCTAssertEqual(headers["Authorization"], signed.authorization)
    }

    func testParametersGoInEachTemplatesOrder() throws {
        func params(_ event: SMSEvent) throws -> String {
            let message = OutgoingSMS(id: "m", event: event.name, template: event.template.rawValue, phone: "13800000001",
                                      text: event.text, params: event.params)
            let body = Fixture.text(try provider.request(for: message, nonce: "n1", now: Fixture.now))
            return String(body[body.range(of: #""TemplateParamSet":"#)!.upperBound...].dropLast())
        }
        XCTAssertEqual(try params(.reminder(unit: "溧阳市", notice: "CZ2022-D01-003", finding: "F0012", hours: 48, deadline: "5月18日12:00")),
                       #"["溧阳市","CZ2022-D01-003","48","5月18日12:00"]"#)
        XCTAssertEqual(try params(.returned(unit: "溧阳市", notice: "CZ2022-D01-003", finding: "F0012")), #"["溧阳市","CZ2022-D01-003","F0012"]"#)
        XCTAssertEqual(try params(.test), #"["测试单位","TEST-000","0","—"]"#)
        var other = Fixture.message
        other.template = "other"
        other.params = ["b": "2", "a": "1", "c": "3"]
        XCTAssertTrue(Fixture.text(try provider.request(for: other, nonce: "n1", now: Fixture.now)).hasSuffix(#""TemplateParamSet":["1","2","3"]}"#),
                      "a template Patrol does not know gets its parameters by name")
        var short = Fixture.message
        short.params = ["unit": "溧阳市"]
        XCTAssertTrue(Fixture.text(try provider.request(for: short, nonce: "n1", now: Fixture.now)).hasSuffix(#""TemplateParamSet":["溧阳市","","",""]}"#),
                      "a missing parameter keeps its place")
    }

    func testMessageWithoutTemplateIsRefused() {
        let provider = TencentSMS(account: Fixture.account())
        XCTAssertThrowsError(try provider.request(for: Fixture.message, nonce: "n1", now: Fixture.now)) {
            XCTAssertEqual($0 as? SMSAccountError, .noTemplate(provider: "Tencent", template: "notice"))
            XCTAssertEqual("\($0)", "no Tencent template for notice")
        }
    }

    func testAnswers() {
        XCTAssertEqual(provider.name, "tencent")
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8613800000001","Fee":1,"#
                + #""SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#)),
            .sent(messageID: "5000:1045710669157053657849499619"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800000001","Fee":0,"Code":"LimitExceeded.PhoneNumberDailyLimit","#
                + #""Message":"the number of sms messages sent from a single mobile number every day exceeds the upper limit"}],"RequestId":"r2"}}"#)),
            .retryable(code: "LimitExceeded.PhoneNumberDailyLimit",
                       message: "the number of sms messages sent from a single mobile number every day exceeds the upper limit"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Response":{"SendStatusSet":[{"Code":"InvalidParameterValue.IncorrectPhoneNumber","Message":"bad number"}]}}"#)),
            .permanent(code: "InvalidParameterValue.IncorrectPhoneNumber", message: "bad number"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"r3"}}"#)),
            .permanent(code: "AuthFailure.SignatureFailure", message: "The provided credentials could not be validated."))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"}}}"#)),
                       .retryable(code: "RequestLimitExceeded", message: "slow down"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(#"{"Response":{"Error":{"Code":"InternalError.Timeout","Message":"t"}}}"#)),
                       .retryable(code: "InternalError.Timeout", message: "t"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data(
            #"{"Response":{"SendStatusSet":[{"Code":"FailedOperation.InsufficientBalanceInSmsPackage","Message":"no balance"}]}}"#)),
            .retryable(code: "FailedOperation.InsufficientBalanceInSmsPackage", message: "no balance"))
        XCTAssertEqual(provider.outcome(status: 502, body: Fixture.data("bad gateway")), .retryable(code: "HTTP502", message: "bad gateway"))
        XCTAssertEqual(provider.outcome(status: 200, body: Fixture.data("<html>")), .retryable(code: "HTTP200", message: "<html>"),
                       "a 200 without a status for the number may not have been sent")
        XCTAssertEqual(provider.outcome(status: 403, body: Fixture.data("Forbidden")), .permanent(code: "HTTP403", message: "Forbidden"))
    }
}
