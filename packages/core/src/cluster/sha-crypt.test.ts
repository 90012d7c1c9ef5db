import { derivedCryptSalt, sha512Crypt } from "./sha-crypt";

describe("sha512Crypt", () => {
    // Vectors from crypt(3) as `openssl passwd -6 -salt [rounds=N$]SALT PASSWORD` prints them (the
    // 5000-round ones are also the specification's own); the e2e test has HAProxy check a hash.
    it.each([
        ["saltstring", "Hello world!", 5000, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"],
        ["saltstring", "Hello world!", 10000, "$6$rounds=10000$saltstring$buk9gc9MDdd3Z11.ZzxK8sKnFNbxNdTnCf.XHjjiTHcgFuFgkKvBQPLIaUn4Ixl3TLN8ZgCk52MPgbWjATwhH0"],
        ["toolongsaltstring", "This is just a test", 5000, "$6$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"],
        ["kJ3KGpnZtS0RpTJP", "the minimum number is still observed", 1000, "$6$rounds=1000$kJ3KGpnZtS0RpTJP$UWU8UY/y8O0E3qE1jroDhGuPitjzl1uJXpedgan49.Tw/7YogxePP7D9kBnXbZoZ/R9VrMQ0qeKh3yv3yUK680"],
    ])("salt %s, password %j, %i rounds", (salt, password, rounds, want) => {
        expect(sha512Crypt(password, salt, rounds)).toBe(want);
    });

    it("refuses a salt outside crypt's alphabet and rounds out of range", () => {
        expect(() => sha512Crypt("x", "bad$salt")).toThrow(/salt/);
        expect(() => sha512Crypt("x", "salt", 10)).toThrow(/rounds/);
    });
});

describe("derivedCryptSalt", () => {
    it("is 16 characters of crypt's alphabet, the same for the same password and purpose, different otherwise", () => {
        const s = derivedCryptSalt("pw", "haproxy-stats");
        expect(s).toMatch(/^[./0-9A-Za-z]{16}$/);
        expect(derivedCryptSalt("pw", "haproxy-stats")).toBe(s);
        expect(derivedCryptSalt("pw2", "haproxy-stats")).not.toBe(s);
        expect(derivedCryptSalt("pw", "other")).not.toBe(s);
    });
});
