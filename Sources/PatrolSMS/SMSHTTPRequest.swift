import Foundation

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
