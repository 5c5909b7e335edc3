import Fluent
import NIOConcurrencyHelpers
import PatrolCore
import PatrolSMS
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The worker against the log provider and against in-process fake clouds that check signatures
/// the way the services do, including a 503 before success.
final class SMSWorkerTests: XCTestCase {
    func message(_ app: Application, phone: String = "13800000001", now: Date) async throws {
        try await SMSMessage(campaignID: nil, event: "notice", dedupeKey: "w:\(phone)", phone: phone, template: "notice",
                             params: ["unit": "溧阳市", "notice": "CZ2022-D01-003", "count": "2", "deadline": "2022-05-17 12:00"],
                             body: "【网络安全检查】溧阳市：…（CZ2022-D01-003）…", now: now).create(on: app.db)
    }

    func testLogProviderSendsAndRecords() async throws {
        try await withEachDatabase { app, _ in
            let now = Date()
            try await self.message(app, now: now)
            let claimed = try await SMSWorker(settings: SMSSettings()).runOnce(app, now: now.addingTimeInterval(1))
            XCTAssertEqual(claimed, 1)
            let m = try await SMSMessage.query(on: app.db).first()!
            XCTAssertEqual(m.status, .sent)
            XCTAssertEqual(m.provider, "log")
        }
    }

    func testAliyunThrough503ToOneSignedDelivery() async throws {
        let calls = NIOLockedValueBox<[String]>([])
        try await withFakeProvider({ req in
            let form = try req.content.decode([String: String].self)
            var params = form
            let signature = params.removeValue(forKey: "Signature")
            let good = signature == AliyunSigner.signature(method: "POST", parameters: params, secret: "fake-secret")
            let n = calls.withLockedValue { $0.append(good ? "ok" : "bad"); return $0.count }
            guard good else { return try await Response(status: .badRequest, body: .init(string: #"{"Code":"SignatureDoesNotMatch","Message":"bad"}"#)).encodeResponse(for: req) }
            if n == 1 { return Response(status: .serviceUnavailable, body: .init(string: "busy")) }
            XCTAssertEqual(form["PhoneNumbers"], "13800000001")
            XCTAssertEqual(form["TemplateCode"], "SMS_NOTICE")
            XCTAssertTrue(form["TemplateParam"]?.contains("CZ2022-D01-003") ?? false)
            return Response(status: .ok, body: .init(string: #"{"Code":"OK","Message":"OK","BizId":"biz-42"}"#))
        }) { url in
            try await withEachDatabase { app, _ in
                calls.withLockedValue { $0 = [] }
                var settings = SMSSettings()
                settings.provider = .aliyun
                settings.endpoint = url
                settings.keyID = "fake-id"; settings.keySecret = "fake-secret"; settings.signName = "网信办"; settings.region = "cn-hangzhou"
                settings.templates = ["notice": "SMS_NOTICE"]
                let worker = SMSWorker(settings: settings)
                let t = Date()
                try await self.message(app, now: t)
                try await worker.runOnce(app, now: t.addingTimeInterval(1))
                var m = try await SMSMessage.query(on: app.db).first()!
                XCTAssertEqual(m.status, .pending, "503 is retried")
                XCTAssertTrue(m.lastError?.contains("503") ?? false)
                let early = try await worker.runOnce(app, now: t.addingTimeInterval(5))
                XCTAssertEqual(early, 0, "not before the back-off")
                try await worker.runOnce(app, now: t.addingTimeInterval(100))
                m = try await SMSMessage.query(on: app.db).first()!
                XCTAssertEqual(m.status, .sent)
                XCTAssertEqual(m.providerMessageID, "biz-42")
                XCTAssertEqual(calls.withLockedValue { $0 }, ["ok", "ok"], "two signed requests, one delivery")
            }
        }
    }

    func testTencentSignedAndPermanentError() async throws {
        try await withFakeProvider({ req in
            let body = Data(buffer: req.body.data ?? ByteBuffer())
            let timestamp = Int(req.headers.first(name: "X-TC-Timestamp") ?? "") ?? 0
            let host = req.headers.first(name: .host) ?? ""
            let expected = TencentSigner.sign(secretID: "tid", secretKey: "tkey", service: "sms", host: host,
                                              contentType: req.headers.first(name: .contentType) ?? "", body: body, timestamp: timestamp)
            guard req.headers.first(name: .authorization) == expected.authorization else {
                return Response(status: .ok, body: .init(string: #"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"sig"}}}"#))
            }
            let json = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let phone = (json?["PhoneNumberSet"] as? [String])?.first ?? ""
            if phone == "+8613800000009" {
                return Response(status: .ok, body: .init(string: #"{"Response":{"SendStatusSet":[{"Code":"InvalidParameterValue.IncorrectPhoneNumber","Message":"bad number"}]}}"#))
            }
            XCTAssertEqual(json?["TemplateParamSet"] as? [String], ["溧阳市", "CZ2022-D01-003", "2", "2022-05-17 12:00"])
            return Response(status: .ok, body: .init(string: #"{"Response":{"SendStatusSet":[{"SerialNo":"s-7","Code":"Ok","Message":"send success"}]}}"#))
        }) { url in
            try await withEachDatabase { app, _ in
                var settings = SMSSettings()
                settings.provider = .tencent
                settings.endpoint = url
                settings.keyID = "tid"; settings.keySecret = "tkey"; settings.signName = "网信办"; settings.appID = "1400000000"
                settings.region = "ap-guangzhou"; settings.templates = ["notice": "100001"]
                let t = Date()
                try await self.message(app, phone: "13800000001", now: t)
                try await self.message(app, phone: "13800000009", now: t)
                try await SMSWorker(settings: settings).runOnce(app, now: t.addingTimeInterval(1))
                let all = try await SMSMessage.query(on: app.db).all()
                let byPhone = Dictionary(uniqueKeysWithValues: all.map { ($0.phone, $0) })
                XCTAssertEqual(byPhone["13800000001"]?.status, .sent)
                XCTAssertEqual(byPhone["13800000001"]?.providerMessageID, "s-7")
                XCTAssertEqual(byPhone["13800000009"]?.status, .failed, "a bad number is not retried")
                XCTAssertTrue(byPhone["13800000009"]?.lastError?.contains("IncorrectPhoneNumber") ?? false)
            }
        }
    }

    func testSettingsNameWhatIsMissing() {
        XCTAssertThrowsError(try SMSSettings.fromEnvironment(["PATROL_SMS_PROVIDER": "aliyun"])) {
            XCTAssertTrue("\($0)".contains("PATROL_SMS_KEY_ID") && "\($0)".contains("PATROL_SMS_TEMPLATE_NOTICE"), "\($0)")
        }
        XCTAssertThrowsError(try SMSSettings.fromEnvironment(["PATROL_SMS_PROVIDER": "carrier-pigeon"]))
        XCTAssertEqual(try SMSSettings.fromEnvironment([:]).provider, .log)
    }

    func testPerPhoneRateLimitPostponesWithoutCountingAnAttempt() async throws {
        try await withEachDatabase { app, _ in
            let t = Date(timeIntervalSince1970: 1_800_000_000)
            try await SMSMessage(campaignID: nil, event: "notice", dedupeKey: "a", phone: "13800000001", template: "notice",
                                 params: [:], body: "first", now: t).create(on: app.db)
            try await SMSMessage(campaignID: nil, event: "returned", dedupeKey: "b", phone: "13800000001", template: "returned",
                                 params: [:], body: "second", now: t.addingTimeInterval(1)).create(on: app.db)
            let worker = SMSWorker(settings: SMSSettings())
            try await worker.runOnce(app, now: t.addingTimeInterval(10))
            var byBody = Dictionary(uniqueKeysWithValues: try await SMSMessage.query(on: app.db).all().map { ($0.body, $0) })
            XCTAssertEqual(byBody["first"]?.status, .sent)
            XCTAssertEqual(byBody["second"]?.status, .pending, "the same phone waits for the interval")
            XCTAssertEqual(byBody["second"]?.attempts, 0, "a postponement is not an attempt")
            try await worker.runOnce(app, now: t.addingTimeInterval(71))
            byBody = Dictionary(uniqueKeysWithValues: try await SMSMessage.query(on: app.db).all().map { ($0.body, $0) })
            XCTAssertEqual(byBody["second"]?.status, .sent)
        }
    }

    func testRemindersBeforeEachMarkOncePerPhone() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let f = try await Finding.query(on: app.db).filter(\.$status == .notified).with(\.$unit) { $0.with(\.$liaisons) }.first()!
            let notified = f.notifiedAt!
            let phones = Set(f.unit.liaisons.map(\.phone))
            func keys() async throws -> [String] {
                try await SMSMessage.query(on: app.db).filter(\.$event == "reminder").all().map(\.dedupeKey)
                    .filter { $0.hasPrefix("reminder:CZ2022/\(f.code):") }.sorted()
            }
            // 20 h after the notice: the 24 h mark is 4 h away, outside the 2 h lead.
            try await SMSReminders.enqueue(app, now: notified.addingTimeInterval(20 * 3600), lead: 7200)
            let before = try await keys()
            XCTAssertEqual(before, [])
            // 23 h: one reminder per phone for the 24 h mark, and only once however often it runs.
            try await SMSReminders.enqueue(app, now: notified.addingTimeInterval(23 * 3600), lead: 7200)
            try await SMSReminders.enqueue(app, now: notified.addingTimeInterval(23.5 * 3600), lead: 7200)
            let first = try await keys()
            XCTAssertEqual(first, phones.sorted().map { "reminder:CZ2022/\(f.code):24:\($0)" })
            // 47 h: the 48 h mark.
            try await SMSReminders.enqueue(app, now: notified.addingTimeInterval(47 * 3600), lead: 7200)
            let second = try await keys()
            XCTAssertEqual(second.count, phones.count * 2)
            // Once the unit has reported, no more reminders.
            f.status = .remediated
            try await f.save(on: app.db)
            try await SMSReminders.enqueue(app, now: notified.addingTimeInterval(71 * 3600), lead: 7200)
            let after = try await keys()
            XCTAssertEqual(after.count, phones.count * 2)
        }
    }

    func testAdminPageResendAndTestSend() async throws {
        XCTAssertEqual(SMSController.segments(String(repeating: "字", count: 70)), 1)
        XCTAssertEqual(SMSController.segments(String(repeating: "字", count: 71)), 2)
        XCTAssertEqual(SMSController.segments(String(repeating: "字", count: 134)), 2)
        XCTAssertEqual(SMSController.segments(String(repeating: "字", count: 135)), 3)
        try await withEachDatabase { app, _ in
            try await app.makeUser("m-admin", .admin)
            let web = try await app.token(for: "m-admin", kind: .web)
            let headers: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(web)", "Content-Type": "application/x-www-form-urlencoded"]
            let failed = SMSMessage(campaignID: nil, event: "notice", dedupeKey: "f", phone: "13800000001", template: "notice",
                                    params: [:], body: "失败的短信", now: Date())
            failed.status = .failed
            failed.lastError = "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号"
            failed.attempts = 3
            try await failed.create(on: app.db)
            try await app.test(.GET, "/admin/sms?status=failed", headers: headers) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("isv.MOBILE_NUMBER_ILLEGAL"))
                XCTAssertTrue(res.body.string.contains("计费条数"))
            }
            try await app.test(.POST, "/admin/sms/\(failed.id!)/resend", headers: headers, body: ByteBuffer(string: formBody([:]))) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
            }
            let back = try await SMSMessage.find(failed.id, on: app.db)!
            XCTAssertEqual(back.status, .pending)
            try await app.test(.POST, "/admin/sms/test", headers: headers, body: ByteBuffer(string: formBody(["phone": "12345"]))) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
            }
            try await app.test(.POST, "/admin/sms/test", headers: headers, body: ByteBuffer(string: formBody(["phone": "138 0000 0002"]))) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
            }
            let test = try await SMSMessage.query(on: app.db).filter(\.$event == "test").first()
            XCTAssertEqual(test?.phone, "13800000002")
        }
    }

    /// The worker dies at the two dangerous moments: after claiming and before sending (nothing is
    /// lost: the message goes out once when the lease expires), and after the provider accepted but
    /// before recording (the message goes out again, once: at least once, at most one repeat).
    func testCrashesLoseNothingAndRepeatAtMostOnce() async throws {
        let deliveries = NIOLockedValueBox<[String]>([])
        try await withFakeProvider({ req in
            let form = try req.content.decode([String: String].self)
            deliveries.withLockedValue { $0.append(form["PhoneNumbers"] ?? "") }
            return Response(status: .ok, body: .init(string: #"{"Code":"OK","Message":"OK","BizId":"b"}"#))
        }) { url in
            try await withEachDatabase { app, _ in
                deliveries.withLockedValue { $0 = [] }
                var settings = aliyunSettings(url, secret: "secret")
                settings.phoneInterval = 0
                let worker = SMSWorker(settings: settings)
                let t = Date(timeIntervalSince1970: 1_800_000_000)
                try await self.message(app, phone: "13800000001", now: t)
                try await self.message(app, phone: "13800000002", now: t)

                // Crash 1: claimed, never sent.
                let first = try await SMSOutbox.claim(limit: 1, now: t.addingTimeInterval(1), on: app.db)
                XCTAssertEqual(first.map(\.phone), ["13800000001"])
                // Crash 2: the other message is claimed and accepted by the provider, but never recorded.
                let second = try await SMSOutbox.claim(limit: 1, now: t.addingTimeInterval(1), on: app.db)
                XCTAssertEqual(second.map(\.phone), ["13800000002"])
                _ = await worker.send(second[0], app: app, now: t.addingTimeInterval(1))

                // A new worker before the leases expire sends nothing; after, both messages go out.
                let early = try await worker.runOnce(app, now: t.addingTimeInterval(30))
                XCTAssertEqual(early, 0)
                try await worker.runOnce(app, now: t.addingTimeInterval(62))
                let all = try await SMSMessage.query(on: app.db).all()
                XCTAssertTrue(all.allSatisfy { $0.status == .sent }, "nothing lost")
                XCTAssertEqual(deliveries.withLockedValue { $0 }.sorted(), ["13800000001", "13800000002", "13800000002"],
                               "the message lost while being answered was repeated once; the other went out once")
            }
        }
    }

    func testSlowProviderIsRetriedNotLost() async throws {
        try await withFakeProvider({ req in
            try await Task.sleep(for: .seconds(3))
            return Response(status: .ok, body: .init(string: #"{"Code":"OK","BizId":"late"}"#))
        }) { url in
            try await withEachDatabase { app, _ in
                var settings = aliyunSettings(url, secret: "secret")
                settings.requestTimeout = 1
                let t = Date(timeIntervalSince1970: 1_800_000_000)
                try await self.message(app, now: t)
                try await SMSWorker(settings: settings).runOnce(app, now: t.addingTimeInterval(1))
                let m = try await SMSMessage.query(on: app.db).first()!
                XCTAssertEqual(m.status, .pending, "a timeout is retried later")
                XCTAssertTrue(m.lastError?.hasPrefix("network:") ?? false, m.lastError ?? "")
            }
        }
    }

    func testAdminSettingsAreValidatedStoredAndFollowedWithoutShowingTheSecret() async throws {
        let seen = NIOLockedValueBox<Int>(0)
        try await withFakeProvider({ req in
            var params = try req.content.decode([String: String].self)
            let signature = params.removeValue(forKey: "Signature")
            guard signature == AliyunSigner.signature(method: "POST", parameters: params, secret: "from-the-form") else {
                return Response(status: .badRequest, body: .init(string: #"{"Code":"SignatureDoesNotMatch","Message":"x"}"#))
            }
            seen.withLockedValue { $0 += 1 }
            return Response(status: .ok, body: .init(string: #"{"Code":"OK","BizId":"x"}"#))
        }) { url in
            try await withEachDatabase { app, _ in
                seen.withLockedValue { $0 = 0 }
                try await app.makeUser("s-admin", .admin)
                let web = try await app.token(for: "s-admin", kind: .web)
                let headers: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(web)",
                                            "Content-Type": "application/x-www-form-urlencoded"]
                // Missing values are named, nothing is stored.
                try await app.test(.POST, "/admin/sms/settings", headers: headers,
                                   body: ByteBuffer(string: formBody(["provider": "aliyun", "keyID": "kid"]))) { res async throws in
                    XCTAssertEqual(res.status, .unprocessableEntity)
                    XCTAssertTrue(res.body.string.contains("PATROL_SMS_KEY_SECRET"))
                }
                let none = try await Setting.query(on: app.db).count()
                XCTAssertEqual(none, 0)
                let fields = ["provider": "aliyun", "endpoint": url.absoluteString, "keyID": "kid", "keySecret": "from-the-form",
                              "signName": "网信办", "region": "cn-hangzhou", "templateNotice": "SMS_1", "reminderLead": "90", "phoneInterval": "60"]
                try await app.test(.POST, "/admin/sms/settings", headers: headers, body: ByteBuffer(string: formBody(fields))) { res async throws in
                    XCTAssertEqual(res.status, .seeOther)
                }
                try await app.test(.GET, "/admin/sms", headers: headers) { res async throws in
                    XCTAssertFalse(res.body.string.contains("from-the-form"), "the secret is never shown back")
                    XCTAssertTrue(res.body.string.contains("aliyun"))
                }
                let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "sms.settings").first()!
                XCTAssertFalse(audit.details.contains("from-the-form"), "nor audited")
                // A worker that follows the settings page sends with the stored provider and secret.
                let worker = try SMSWorker(environment: [:])
                try await self.message(app, now: Date())
                try await worker.runOnce(app, now: Date().addingTimeInterval(1))
                XCTAssertEqual(seen.withLockedValue { $0 }, 1)
                let m = try await SMSMessage.query(on: app.db).first()!
                XCTAssertEqual(m.provider, "aliyun")
            }
        }
    }
}
