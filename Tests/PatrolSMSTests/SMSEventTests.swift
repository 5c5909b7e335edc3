import XCTest
import PatrolSMS

/// Each event's text, template and parameters, exactly as units receive them.
final class SMSEventTests: XCTestCase {
    func testNotice() {
        let event = SMSEvent.notice(unit: "溧阳市", notice: "CZ2022-D01-003", findings: 3, deadline: "2022-05-17 12:00")
        XCTAssertEqual(event.name, "notice")
        XCTAssertEqual(event.template, .notice)
        XCTAssertEqual(event.text, "【网络安全检查】溧阳市：您单位有3个网络安全问题已通报（CZ2022-D01-003），请于2022-05-17 12:00前完成整改，并登录平台提交整改报告。")
        XCTAssertEqual(event.params, ["unit": "溧阳市", "notice": "CZ2022-D01-003", "count": "3", "deadline": "2022-05-17 12:00"])
        XCTAssertEqual(event.positionalParams, ["溧阳市", "CZ2022-D01-003", "3", "2022-05-17 12:00"])
    }

    func testReminder() {
        let event = SMSEvent.reminder(unit: "溧阳市", notice: "CZ2022-D01-003", finding: "F0012", hours: 48, deadline: "5月18日12:00")
        XCTAssertEqual(event.name, "reminder")
        XCTAssertEqual(event.template, .reminder)
        XCTAssertEqual(event.text, "【网络安全检查】溧阳市：通报CZ2022-D01-003中的问题F0012将于5月18日12:00到达48小时整改时限，请尽快完成整改并在平台提交整改报告。")
        XCTAssertEqual(event.params, ["unit": "溧阳市", "notice": "CZ2022-D01-003", "hours": "48", "deadline": "5月18日12:00"])
        XCTAssertEqual(event.positionalParams, ["溧阳市", "CZ2022-D01-003", "48", "5月18日12:00"])
    }

    func testReturned() {
        let event = SMSEvent.returned(unit: "溧阳市", notice: "CZ2022-D01-003", finding: "F0012")
        XCTAssertEqual(event.name, "returned")
        XCTAssertEqual(event.template, .returned)
        XCTAssertEqual(event.text, "【网络安全检查】溧阳市：问题F0012（通报CZ2022-D01-003）的整改复测未通过，已退回，请登录平台查看复测意见并重新整改。")
        XCTAssertEqual(event.params, ["unit": "溧阳市", "notice": "CZ2022-D01-003", "finding": "F0012"])
        XCTAssertEqual(event.positionalParams, ["溧阳市", "CZ2022-D01-003", "F0012"])
    }

    func testTestGoesThroughTheNoticeTemplate() {
        let event = SMSEvent.test
        XCTAssertEqual(event.name, "test")
        XCTAssertEqual(event.template, .notice)
        XCTAssertEqual(event.text, "【网络安全检查】这是一条测试短信，用于确认短信通道可用。")
        XCTAssertEqual(event.params, ["unit": "测试单位", "notice": "TEST-000", "count": "0", "deadline": "—"])
        XCTAssertEqual(event.positionalParams, ["测试单位", "TEST-000", "0", "—"])
    }

    func testEveryEventFillsEveryParameterOfItsTemplate() {
        let events: [SMSEvent] = SMSEvent.samples + [.test]
        for event in events {
            XCTAssertEqual(Set(event.params.keys), Set(event.template.parameterNames), event.name)
        }
        XCTAssertEqual(SMSTemplate.allCases.map(\.rawValue), ["notice", "reminder", "returned", "declaration"])
    }

    func testSamplesAreWhatTheSMSPageShowed() {
        XCTAssertEqual(SMSEvent.samples.map(\.name), ["notice", "reminder", "returned", "declaration"])
        XCTAssertEqual(SMSEvent.samples.map(\.text), [
            "【网络安全检查】溧阳市：您单位有3个网络安全问题已通报（CZ2022-D01-003），请于2022-05-17 12:00前完成整改，并登录平台提交整改报告。",
            "【网络安全检查】溧阳市：通报CZ2022-D01-003中的问题F0012将于5月18日12:00到达48小时整改时限，请尽快完成整改并在平台提交整改报告。",
            "【网络安全检查】溧阳市：问题F0012（通报CZ2022-D01-003）的整改复测未通过，已退回，请登录平台查看复测意见并重新整改。",
            "【网络安全检查】溧阳市：网安2022常州行动将于5月16日00:00开始检测，您单位尚未完成互联网资产报送，请登录平台报送或更正。",
        ])
    }
}
