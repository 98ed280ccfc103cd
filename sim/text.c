/* text.c — the simulator's utterance corpus: support-desk dialogues by topic,
 * customer names (several non-ASCII on purpose: the UI must cope with
 * combining marks, Polish and CJK), and the placeholder expansion that makes
 * each call's transcript specific to it. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L(r, t) \
    {           \
        r, t    \
    }
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const sim_line billing[] = {
    L('a', "Thank you for calling {company}, this is {agent}. How can I help you today?"),
    L('u', "Hi, I was charged twice for my subscription this month."),
    L('a',
      "I'm sorry about that, {first}. Let me pull up your account. Can you confirm the order number?"),
    L('u', "Sure, it's {order}."),
    L('a',
      "Thanks. I can see two charges of {amount} on the same day. One of them is a duplicate."),
    L('u', "Okay, so can you refund it?"),
    L('a',
      "Yes. I've issued a refund of {amount}; it should reach your card within five business days."),
    L('u', "Great, thank you so much."),
    L('a', "You're welcome. Is there anything else I can help with?"),
    L('u', "No, that's all. Bye!"),
};

static const sim_line password[] = {
    L('a', "Hello, you've reached {company} support. I'm {agent}. What can I do for you?"),
    L('u', "I can't log in. I think I forgot my password."),
    L('a', "No problem, {first}. I can send a reset link. Is the email on file still current?"),
    L('u', "Yes, it should be."),
    L('a', "I've sent the reset link. It expires in thirty minutes."),
    L('u', "Hmm, I don't see it yet."),
    L('a', "It can take a minute. Please also check your spam folder."),
    L('u', "Oh, there it is. Got it, thanks."),
    L('a', "Great. Once you've set a new password you'll be signed out of other devices."),
    L('u', "Perfect. Thanks for your help."),
};

static const sim_line delivery[] = {
    L('a', "Thanks for calling {company}, {agent} speaking. How can I help?"),
    L('u', "My package was supposed to arrive on {day} and it still hasn't come."),
    L('a', "I'm sorry to hear that. What's the order number?"),
    L('u', "It's {order}."),
    L('a', "I see it. The parcel is held at the regional depot because of a sorting delay."),
    L('u', "So when will I get it?"),
    L('a',
      "It's scheduled for delivery tomorrow before {time}. I've also waived the shipping fee."),
    L('u', "Okay, that's fine. Can I get a text when it's out for delivery?"),
    L('a', "Done, you'll get a text message on this number."),
    L('u', "Thank you, bye."),
};

static const sim_line appointment[] = {
    L('a', "Good day, this is {agent} from {company}. How may I help you?"),
    L('u', "I need to move my appointment on {day}."),
    L('a', "Of course, {first}. What day works better for you?"),
    L('u', "Is Thursday afternoon possible?"),
    L('a', "Thursday at {time} is available. Shall I book that?"),
    L('u', "Yes please."),
    L('a', "You're booked for Thursday at {time}. You'll receive a confirmation by email."),
    L('u', "Thanks, that's all."),
};

static const sim_line upgrade[] = {
    L('a', "Hi, {agent} at {company}. What can I do for you today?"),
    L('u', "I'd like to know what the premium plan includes."),
    L('a',
      "Premium adds priority support, unlimited seats, and call analytics for {amount} a month."),
    L('u', "Is there a trial?"),
    L('a', "Yes, fourteen days free. I can start it now if you like."),
    L('u', "Let me think about it and call back."),
    L('a', "Sure. I'll email you the plan comparison in the meantime."),
    L('u', "Thanks."),
};

static const sim_line cancel[] = {
    L('a', "Thank you for calling {company}. My name is {agent}. How can I help?"),
    L('u', "I want to cancel my subscription."),
    L('a', "I'm sorry to hear that, {first}. May I ask why you'd like to cancel?"),
    L('u', "It's just too expensive for me right now."),
    L('a',
      "I understand. I can offer fifty percent off for the next three months. Would that help?"),
    L('u', "No, I'd still like to cancel, please."),
    L('a',
      "Understood. Your subscription is cancelled and stays active until the end of the billing period."),
    L('u', "Okay. Thank you."),
};

static const sim_line outage[] = {
    L('a', "You've reached {company} technical support. I'm {agent}."),
    L('u', "My internet has been down since this morning."),
    L('a', "I'm sorry, {first}. Let me check for outages in your area."),
    L('u', "I already restarted the router twice."),
    L('a', "Thanks for trying that. There is a known outage; engineers expect it fixed by {time}."),
    L('u', "That's really annoying, I work from home."),
    L('a',
      "I completely understand. I've added a credit of {amount} to your account for the inconvenience."),
    L('u', "Alright, I appreciate that."),
    L('a', "Is there anything else I can help you with?"),
    L('u', "No. Just get it fixed, please."),
};

static const sim_line address[] = {
    L('a', "Hello, {company} customer care, {agent} speaking."),
    L('u', "Hi, I moved recently and need to update my address."),
    L('a', "Happy to help. For security, can you confirm your date of birth?"),
    L('u', "Yes, it's the fourteenth of March, 1988."),
    L('a', "Thank you, {first}. What's the new address?"),
    L('u', "Gartenstraße 12, 10115 Berlin."),
    L('a', "I've updated it to Gartenstraße 12, 10115 Berlin. Future orders will ship there."),
    L('u', "Wonderful, danke!"),
};

static const sim_topic topics[] = {
    {"billing", "{name} reported a duplicate charge on order {order}; the agent refunded {amount}.",
     "refund-issued", billing, N(billing)},
    {"password-reset", "{name} could not sign in; a password reset link was sent and used.",
     "resolved", password, N(password)},
    {"delivery",
     "{name} asked about late delivery of order {order}; redelivery booked, shipping waived.",
     "resolved", delivery, N(delivery)},
    {"appointment", "{name} rescheduled an appointment to Thursday at {time}.",
     "appointment-rescheduled", appointment, N(appointment)},
    {"plan-upgrade",
     "{name} asked about the premium plan; comparison emailed, customer will call back.",
     "callback-requested", upgrade, N(upgrade)},
    {"cancellation", "{name} cancelled the subscription after declining a retention offer.",
     "cancelled", cancel, N(cancel)},
    {"outage", "{name} reported an internet outage; known incident, credit of {amount} applied.",
     "escalated", outage, N(outage)},
    {"address-change", "{name} updated the shipping address after identity verification.",
     "resolved", address, N(address)},
};

static const char *const names[] = {
    "José Müller",     "Zoë Adams",         "Łukasz Nowak",    "王芳",
    "Ana Sofía Pérez", "Jean-Luc Petit",    "Priya Sharma",    "Kenji Tanaka",
    "Olivia Smith",    "Mohammed Al-Farsi", "Siobhán O'Brien", "Björn Lindqvist",
    "Chloé Martin",    "Dmitri Ivanov",     "Amara Okafor",    "Nguyễn Thị Lan",
};

static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Friday", "Saturday"};

size_t sim_topic_count(void)
{
    return N(topics);
}
const sim_topic *sim_topic_get(size_t i)
{
    return &topics[i % N(topics)];
}
size_t sim_name_count(void)
{
    return N(names);
}
const char *sim_name_get(size_t i)
{
    return names[i % N(names)];
}

/* A growable string; on allocation failure it goes "failed" and the
 * expansion returns NULL rather than a silently shortened line. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

char *sim_text_expand(const char *tmpl, const sim_call *c, const char *agent)
{
    sbuf b = {0};
    const char *name = c->customer_name ? c->customer_name : "The caller";
    char tmp[64];
    sb_add(&b, "", 0);
    for (const char *p = tmpl; *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            sb_add(&b, p, strlen(p));
            break;
        }
        sb_add(&b, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        if (!close) {
            sb_add(&b, open, strlen(open));
            break;
        }
        size_t klen = (size_t)(close - open - 1);
        const char *k = open + 1;
#define IS(s) (klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
        if (IS("name")) {
            sb_add(&b, name, strlen(name));
        } else if (IS("first")) {
            /* First word of the name; CJK names have no space and stay whole. */
            const char *sp = c->customer_name ? strchr(c->customer_name, ' ') : NULL;
            if (!c->customer_name) sb_add(&b, "there", 5);
            else
                sb_add(&b, c->customer_name,
                       sp ? (size_t)(sp - c->customer_name) : strlen(c->customer_name));
        } else if (IS("agent")) {
            sb_add(&b, agent, strlen(agent));
        } else if (IS("company")) {
            sb_add(&b, "Northwind Telecom", 17);
        } else if (IS("order")) {
            int n = snprintf(tmp, sizeof tmp, "NW-%06d", c->order_no);
            sb_add(&b, tmp, (size_t)n);
        } else if (IS("amount")) {
            int n =
                snprintf(tmp, sizeof tmp, "$%d.%02d", c->amount_cents / 100, c->amount_cents % 100);
            sb_add(&b, tmp, (size_t)n);
        } else if (IS("day")) {
            const char *d = days[(size_t)c->day % N(days)];
            sb_add(&b, d, strlen(d));
        } else if (IS("time")) {
            int n = snprintf(tmp, sizeof tmp, "%d:%s %s", c->hour > 12 ? c->hour - 12 : c->hour,
                             (c->order_no & 1) ? "30" : "00", c->hour >= 12 ? "PM" : "AM");
            sb_add(&b, tmp, (size_t)n);
        } else {
            sb_add(&b, open, (size_t)(close - open + 1));
        }
#undef IS
        p = close + 1;
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
