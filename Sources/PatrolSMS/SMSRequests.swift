import Foundation

/// What happened to one message at a provider.
public enum SMSOutcome: Sendable, Equatable {
    /// Accepted; the provider's id for it when it gives one.
    case sent(messageID: String?)
    /// Worth trying again later: network trouble, 5xx, throttling.
    case retryable(code: String, message: String)
    /// Will never succeed as it stands: bad number, template or signature not approved, bad credentials.
    case permanent(code: String, message: String)
}

/// An HTTP request a provider needs, built without doing any I/O so it can be checked in tests.
public struct SMSHTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data

    public init(method: String, url: URL, headers: [(String, String)], body: Data) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }

    public static func == (a: SMSHTTPRequest, b: SMSHTTPRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body
            && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" }
    }
}

/// Alibaba Cloud SendSms (dysmsapi 2017-05-25), RPC style, signed with `AliyunSigner`.
public enum AliyunSMS {
    public static let defaultEndpoint = URL(string: "https://dysmsapi.aliyuncs.com/")!

    public static func request(endpoint: URL = defaultEndpoint, accessKeyID: String, secret: String, region: String,
                               signName: String, template: String, params: [String: String], phone: String,
                               outID: String, nonce: String, timestamp: Date) -> SMSHTTPRequest {
        let time = ISO8601DateFormatter()
        time.formatOptions = [.withInternetDateTime]
        time.timeZone = TimeZone(identifier: "UTC")
        let templateParam = (try? JSONSerialization.data(withJSONObject: params, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var parameters = [
            "AccessKeyId": accessKeyID, "Action": "SendSms", "Version": "2017-05-25", "Format": "JSON", "RegionId": region,
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": nonce,
            "Timestamp": time.string(from: timestamp), "PhoneNumbers": phone, "SignName": signName,
            "TemplateCode": template, "TemplateParam": templateParam, "OutId": outID,
        ]
        parameters["Signature"] = AliyunSigner.signature(method: "POST", parameters: parameters, secret: secret)
        return SMSHTTPRequest(method: "POST", url: endpoint,
                              headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                              body: Data(AliyunSigner.canonicalQuery(parameters).utf8))
    }

    static let retryableCodes: Set<String> = ["isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable",
                                              "Throttling", "Throttling.User", "Throttling.Api", "InternalError"]

    /// `Code: "OK"` is success; throttling and system errors are retryable; the rest is permanent.
    public static func outcome(status: Int, body: Data) -> SMSOutcome {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let code = json?["Code"] as? String ?? "HTTP\(status)"
        let message = json?["Message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self)
        if (200..<300).contains(status), code == "OK" { return .sent(messageID: json?["BizId"] as? String) }
        if status >= 500 || status == 429 || retryableCodes.contains(code) || code.hasPrefix("Throttling") {
            return .retryable(code: code, message: message)
        }
        return .permanent(code: code, message: message)
    }
}

/// Tencent Cloud SendSms (2021-01-11), signed with `TencentSigner`.
public enum TencentSMS {
    public static let defaultEndpoint = URL(string: "https://sms.tencentcloudapi.com/")!

    /// The JSON body: the phone in E.164, parameters in the template's positional order.
    public static func body(appID: String, signName: String, template: String, params: [String], phoneE164: String) -> Data {
        let object: [String: Any] = ["PhoneNumberSet": [phoneE164], "SmsSdkAppId": appID, "SignName": signName,
                                     "TemplateId": template, "TemplateParamSet": params]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    public static func request(endpoint: URL = defaultEndpoint, secretID: String, secretKey: String, region: String,
                               body: Data, timestamp: Int) -> SMSHTTPRequest {
        let host = endpoint.host.map { h in endpoint.port.map { "\(h):\($0)" } ?? h } ?? "sms.tencentcloudapi.com"
        let contentType = "application/json; charset=utf-8"
        let signed = TencentSigner.sign(secretID: secretID, secretKey: secretKey, service: "sms", host: host,
                                        contentType: contentType, body: body, timestamp: timestamp)
        return SMSHTTPRequest(method: "POST", url: endpoint, headers: [
            ("Authorization", signed.authorization), ("Content-Type", contentType), ("Host", host),
            ("X-TC-Action", "SendSms"), ("X-TC-Version", "2021-01-11"), ("X-TC-Timestamp", String(timestamp)),
            ("X-TC-Region", region),
        ], body: body)
    }

    /// Per-number status in `SendStatusSet` (`Code: "Ok"`); request errors in `Response.Error`.
    public static func outcome(status: Int, body: Data) -> SMSOutcome {
        let response = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["Response"] as? [String: Any]
        if let error = response?["Error"] as? [String: Any] {
            return classify(error["Code"] as? String ?? "Error", error["Message"] as? String ?? "", status: status)
        }
        guard (200..<300).contains(status), let first = (response?["SendStatusSet"] as? [[String: Any]])?.first else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return status >= 500 || status == 429 || status == 200 ? .retryable(code: "HTTP\(status)", message: text)
                : .permanent(code: "HTTP\(status)", message: text)
        }
        let code = first["Code"] as? String ?? ""
        if code == "Ok" { return .sent(messageID: first["SerialNo"] as? String) }
        return classify(code, first["Message"] as? String ?? "", status: status)
    }

    static func classify(_ code: String, _ message: String, status: Int) -> SMSOutcome {
        let retryable = code.hasPrefix("InternalError") || code.hasPrefix("RequestLimitExceeded") || code.hasPrefix("LimitExceeded")
            || code == "FailedOperation.InsufficientBalanceInSmsPackage" || status >= 500
        return retryable ? .retryable(code: code, message: message) : .permanent(code: code, message: message)
    }
}
