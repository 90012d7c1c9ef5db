import { dcsPatch, switchesFailsafeOff } from "./dcs-patch";

describe("dcsPatch", () => {
    const slot = { type: "logical", database: "appdb", plugin: "pgoutput" };

    it("names a permanent slot the stack dropped with null, so PATCH /config removes it", () => {
        expect(dcsPatch({ ttl: 20, slots: { b: slot } }, { ttl: 30, slots: { a: slot, b: slot } })).toEqual({ ttl: 20, slots: { b: slot, a: null } });
        expect(dcsPatch({ slots: {} }, { slots: { a: slot } })).toEqual({ slots: { a: null } });
    });

    it("leaves the document as it is when nothing was dropped (a removed slot is not named again)", () => {
        expect(dcsPatch({ slots: { a: slot } }, { slots: { a: slot } })).toEqual({ slots: { a: slot } });
        expect(dcsPatch({ slots: {} }, {})).toEqual({ slots: {} });
        expect(dcsPatch({ ttl: 20 }, { slots: { a: slot } })).toEqual({ ttl: 20 }); // a document without the section does not manage it
    });
});

describe("switchesFailsafeOff", () => {
    it("is true when the live document has failsafe_mode on and the patch turns it off or removes it", () => {
        expect(switchesFailsafeOff({ failsafe_mode: false }, { failsafe_mode: true })).toBe(true);
        expect(switchesFailsafeOff({ failsafe_mode: null }, { failsafe_mode: true })).toBe(true);
        expect(switchesFailsafeOff({ failsafe_mode: false }, { failsafe_mode: "on" })).toBe(true);
    });

    it("is false when it stays on, was off, or the patch does not name it", () => {
        expect(switchesFailsafeOff({ failsafe_mode: true }, { failsafe_mode: true })).toBe(false);
        expect(switchesFailsafeOff({ failsafe_mode: false }, { failsafe_mode: false })).toBe(false);
        expect(switchesFailsafeOff({ failsafe_mode: false }, {})).toBe(false);
        expect(switchesFailsafeOff({ ttl: 20 }, { failsafe_mode: true })).toBe(false);
    });
});
