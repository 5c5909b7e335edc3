import Foundation
import XCTest
@testable import PatrolSMS

/// The providers' signing, checked against the vectors of the issue and an independent
/// implementation of each documented algorithm (Python's hmac/hashlib, values recorded here).
final class SigningTests: XCTestCase {
    func testAliyunSDKVector() {
        XCTAssertEqual(AliyunSigner.stringToSign(method: "GET", parameters: ["query": "test", "body": "test"]),
                       "GET&%2F&body%3Dtest%26query%3Dtest")
        XCTAssertEqual(AliyunSigner.signature(method: "GET", parameters: ["query": "test", "body": "test"], secret: "secret"),
                       "XlUyV4sXjOuX5FnjUz9IF9tm5rU=")
    }

    func testAliyunPercentEncoding() {
        XCTAssertEqual(AliyunSigner.percentEncode("a b*c~d-e_f.g/"), "a%20b%2Ac~d-e_f.g%2F")
        XCTAssertEqual(AliyunSigner.percentEncode("网信办"), "%E7%BD%91%E4%BF%A1%E5%8A%9E")
        XCTAssertEqual(AliyunSigner.canonicalQuery(["b": "2", "a": "1", "B": "0"]), "B=0&a=1&b=2")
    }

    func testAliyunRequestIsSignedOverEveryParameter() throws {
        let provider = AliyunSMS(account: SMSAccount(keyID: "testid", keySecret: "testsecret", signName: "网信办", region: "cn-hangzhou",
                                                     templates: ["notice": "SMS_1"]))
        let message = OutgoingSMS(id: "m1", event: "notice", template: "notice", phone: "13800000000", text: "",
                                  params: ["notice": "CZ2022-D01-003", "unit": "溧阳市"])
        let r = try XCTUnwrap(try provider.request(for: message, nonce: "n1", now: Date(timeIntervalSince1970: 1_716_000_000)))
        let body = String(decoding: r.body, as: UTF8.self)
        var params: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding! }
            params[kv[0]] = kv[1]
        }
        XCTAssertEqual(params["Timestamp"], "2024-05-18T02:40:00Z")
        XCTAssertEqual(params["TemplateParam"], #"{"notice":"CZ2022-D01-003","unit":"溧阳市"}"#)
        let signature = params.removeValue(forKey: "Signature")
        XCTAssertEqual(signature, AliyunSigner.signature(method: "POST", parameters: params, secret: "testsecret"))
    }

    func testTencentTC3() {
        let body = Data(#"{"PhoneNumberSet":["+8613800000000"],"SmsSdkAppId":"1400000000","SignName":"网信办","TemplateId":"100001","TemplateParamSet":["CZ2022-D01-003"]}"#.utf8)
        let s = TencentSigner.sign(secretID: "AKIDexample", secretKey: "secretKeyExample", service: "sms",
                                   host: "sms.tencentcloudapi.com", body: body, timestamp: 1_716_000_000)
        XCTAssertEqual(TencentSigner.utcDate(1_716_000_000), "2024-05-18")
        XCTAssertTrue(s.canonicalRequest.hasPrefix("POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n\ncontent-type;host\n"))
        XCTAssertEqual(s.signature, "7a81a91084b5ce71831deb4d558969c08c89d63b7e209f7bf68473f82eb60a37")
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDexample/2024-05-18/sms/tc3_request, "
                       + "SignedHeaders=content-type;host, Signature=7a81a91084b5ce71831deb4d558969c08c89d63b7e209f7bf68473f82eb60a37")
    }

    func testWebhookSignature() {
        XCTAssertEqual(WebhookSigner.signature(secret: "whsecret", timestamp: 1_716_000_000, body: Data(#"{"a":1}"#.utf8)),
                       "sha256=f3038070bcd0cf7314464f9ccf3c785bffd285bd0580d8b9efe5fd2a5b117f04")
    }
}
